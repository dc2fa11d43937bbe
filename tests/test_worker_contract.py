"""The plan and the worker meet: every container that runs the worker image parses with the worker's own
parser, and every port its Deployment, Services and ServiceMonitors name is one the parsed command serves.

"Serves" comes from `gpu_worker.cli.served_ports`, the function the command's handler binds its ports
from, so this test never re-spells a flag. Port references resolve as Kubernetes and the Prometheus
operator resolve them: a probe's or a targetPort's name is a containerPort name, a Service port without a
targetPort targets its own number, a ServiceMonitor endpoint's `port` is the name of a Service port, and a
ServiceMonitor without a namespaceSelector selects Services in its own namespace (prometheus-operator
`Endpoint.port` and `ServiceMonitorSpec.namespaceSelector`, pkg/apis/monitoring/v1/servicemonitor_types.go).
"""

from __future__ import annotations

import copy
import io
from collections import Counter
from collections.abc import Iterable
from contextlib import redirect_stderr
from dataclasses import dataclass
from typing import Any

import pytest

from gpu_worker.cli import PortPurpose, UsageError, build_parser, served_ports
from infra.offline.monitor import Registration
from infra.offline.plan import Plan

POD_OWNERS = ("kubernetes:apps/v1:Deployment", "kubernetes:argoproj.io/v1alpha1:Rollout")
SERVICE = "kubernetes:core/v1:Service"
SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"
WORKLOADS = "wedsync:k8s:Workloads"
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
ANY_PURPOSE = tuple(PortPurpose)


@dataclass(frozen=True)
class WorkerContainer:
    """A container of a Deployment's pod template that runs the worker image."""

    deployment: Registration
    spec: dict[str, Any]

    @property
    def where(self) -> str:
        return f"{self.deployment.name} container {self.spec['name']}"

    @property
    def pod_labels(self) -> dict[str, str]:
        return self.deployment.inputs["spec"]["template"]["metadata"].get("labels") or {}


def worker_images(platform: Any) -> set[str]:
    """The worker image references the config names: the default and each region's own registry copy."""
    return {platform.worker.image} | {r.worker_image for r in platform.regions if r.worker_image}


def worker_containers(plan: Plan, images: set[str]) -> list[WorkerContainer]:
    return [
        WorkerContainer(deployment, container)
        for kind in POD_OWNERS
        for deployment in plan.of_type(kind)
        for container in deployment.inputs["spec"]["template"]["spec"]["containers"]
        if container["image"] in images
    ]


def _selects(selector: dict[str, str] | None, labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in (selector or {}).items())


def services_selecting(plan: Plan, worker: WorkerContainer) -> list[Registration]:
    """Services of the same cluster (provider) and namespace whose selector matches the pod template."""
    namespace = worker.deployment.inputs["metadata"]["namespace"]
    return [
        s
        for s in plan.of_type(SERVICE)
        if s.provider == worker.deployment.provider
        and s.inputs["metadata"]["namespace"] == namespace
        and _selects(s.inputs["spec"].get("selector"), worker.pod_labels)
    ]


def monitors_selecting(plan: Plan, service: Registration) -> list[Registration]:
    """ServiceMonitors of the same cluster that select the Service (only forms this check understands)."""
    found = []
    for monitor in plan.of_type(SERVICE_MONITOR):
        spec = monitor.inputs["spec"]
        assert "namespaceSelector" not in spec and "matchExpressions" not in spec["selector"], (
            f"{monitor.name}: teach this test the selector form it uses"
        )
        if (
            monitor.provider == service.provider
            and monitor.inputs["metadata"]["namespace"] == service.inputs["metadata"]["namespace"]
            and _selects(spec["selector"].get("matchLabels"), service.inputs["metadata"].get("labels") or {})
        ):
            found.append(monitor)
    return found


def parse(args: list[str]) -> tuple[Any, str]:
    """The worker's parse of `args`, or None and argparse's message (never a silent SystemExit)."""
    stderr = io.StringIO()
    try:
        with redirect_stderr(stderr):
            return build_parser().parse_args(args), ""
    except SystemExit:
        return None, (stderr.getvalue().strip().splitlines() or ["exited (was it --help?)"])[-1]


def contract_problems(plan: Plan, images: set[str]) -> list[str]:
    """Every way the plan's worker containers disagree with what the worker does (empty: they meet)."""
    return [problem for worker in worker_containers(plan, images) for problem in _problems(plan, worker)]


def _problems(plan: Plan, worker: WorkerContainer) -> list[str]:
    args, message = parse(worker.spec.get("args") or [])
    if args is None:
        return [f"{worker.where}: its args do not parse: {message}"]
    try:
        served = served_ports(args)
    except UsageError as exc:
        return [f"{worker.where}: {exc}"]
    declared = {p.get("name"): p["containerPort"] for p in worker.spec.get("ports") or []}
    problems: list[str] = []

    def expect(what: str, reference: int | str, purposes: Iterable[PortPurpose]) -> None:
        port = declared.get(reference) if isinstance(reference, str) else reference
        allowed = {served[p] for p in purposes if p in served}
        if port is None:
            problems.append(f"{worker.where}: {what} names port {reference!r}, which the container does not declare")
        elif port not in allowed:
            listening = ", ".join(f"{purpose} on {number}" for purpose, number in served.items()) or "no port"
            problems.append(
                f"{worker.where}: {what} is port {port}, where `{args.command}` serves no "
                f"{'/'.join(purposes)} (it listens: {listening})"
            )

    for kind in PROBES:
        probe = worker.spec.get(kind) or {}
        action = next((probe[a] for a in ("httpGet", "tcpSocket", "grpc") if a in probe), None)
        if action is not None:  # an `exec` probe names no port
            expect(kind, action["port"], [PortPurpose.HEALTH])
    for port in worker.spec.get("ports") or []:
        expect(f"containerPort {port.get('name')}", port["containerPort"], ANY_PURPOSE)
    annotated = (worker.deployment.inputs["spec"]["template"]["metadata"].get("annotations") or {}).get(
        "prometheus.io/port"
    )
    if annotated is not None:
        expect("annotation prometheus.io/port", int(annotated), [PortPurpose.METRICS])
    for service in services_selecting(plan, worker):
        ports = {p.get("name"): p for p in service.inputs["spec"]["ports"]}
        for name, port in ports.items():
            expect(f"Service {service.name} port {name}", port.get("targetPort", port["port"]), ANY_PURPOSE)
        for monitor in monitors_selecting(plan, service):
            for endpoint in monitor.inputs["spec"]["endpoints"]:
                port = ports.get(endpoint.get("port"))
                if port is None:
                    problems.append(
                        f"ServiceMonitor {monitor.name} scrapes port {endpoint.get('port')!r}, "
                        f"which Service {service.name} does not have"
                    )
                else:
                    what = f"ServiceMonitor {monitor.name} endpoint {endpoint['port']}"
                    expect(what, port.get("targetPort", port["port"]), [PortPurpose.METRICS])
    return problems


@pytest.fixture(params=["staging", "prod"])
def shipped(request) -> tuple[set[str], Plan]:
    platform, plan = request.getfixturevalue(request.param)
    return worker_images(platform), plan


def test_every_worker_container_parses_and_is_served_on_every_port_its_objects_name(shipped) -> None:
    images, plan = shipped
    problems = contract_problems(plan, images)
    assert not problems, "\n".join(problems)


def test_each_cluster_runs_the_queue_worker_and_the_jobs_api_from_the_worker_image(shipped) -> None:
    """So the contract above covers what it should: both commands in every region, nothing skipped."""
    images, plan = shipped
    workloads = plan.of_type(WORKLOADS)
    commands = Counter(
        (w.deployment.parent, (w.spec.get("args") or ["<none>"])[0]) for w in worker_containers(plan, images)
    )
    assert commands == Counter({(w.urn, command): 1 for w in workloads for command in ("serve", "api")})


def test_every_worker_deployment_is_behind_a_service_and_a_servicemonitor(shipped) -> None:
    """Otherwise its metrics port would go unchecked (and unscraped)."""
    images, plan = shipped
    for worker in worker_containers(plan, images):
        services = services_selecting(plan, worker)
        assert services, worker.where
        assert any(monitors_selecting(plan, service) for service in services), worker.where


def _edited(plan: Plan, images: set[str], command: str, old: str, new: str) -> Plan:
    """A copy of the plan in which the first container running `command` has the argument `old` replaced."""
    edited = copy.deepcopy(plan)
    worker = next(w for w in worker_containers(edited, images) if w.spec["args"][0] == command)
    args = worker.spec["args"]
    assert old in args, args
    args[args.index(old)] = new
    return edited


@pytest.mark.parametrize(
    ("command", "old", "new", "reported"),
    [
        (
            "api",
            "--metrics-port",
            "--metrics-prot",
            "do not parse: python -m gpu_worker: error: unrecognized arguments",
        ),
        ("api", "--metrics-port", "--metrics", "unrecognized arguments: --metrics 8080"),  # no abbreviations
        ("serve", "--max-deliveries", "--max-delivery", "unrecognized arguments: --max-delivery 5"),
        ("serve", "gpu", "tpu", "argument --device: invalid choice: 'tpu'"),
        ("api", "8080", "9090", "jobs-api-service port http-metrics is port 8080, where `api` serves no"),
        ("api", "8080", "8000", "--metrics-port must differ from --port"),
        ("serve", "8080", "0", "livenessProbe is port 8080, where `serve` serves no health (it listens: no port)"),
    ],
)
def test_the_contract_reports_a_misspelt_or_wrong_flag_in_a_real_container(
    prod, command: str, old: str, new: str, reported: str
) -> None:
    platform, plan = prod
    images = worker_images(platform)
    problems = contract_problems(_edited(plan, images, command, old, new), images)
    assert any(reported in problem for problem in problems), problems


def test_the_contract_reports_a_probe_on_a_port_that_serves_no_health(prod) -> None:
    """Ports are checked by purpose: the jobs API's metrics port is served, but answers no /healthz."""
    platform, plan = prod
    images = worker_images(platform)
    edited = copy.deepcopy(plan)
    api = next(w for w in worker_containers(edited, images) if w.spec["args"][0] == "api")
    api.spec["livenessProbe"]["httpGet"]["port"] = "http-metrics"
    problems = contract_problems(edited, images)
    assert f"{api.where}: livenessProbe is port 8080, where `api` serves no health" in "\n".join(problems)


def test_the_worker_deployment_sets_what_the_gpu_start_up_reads(prod) -> None:
    """The kernel caches sit on the pod's writable scratch volume, and the decode backend is one the worker knows."""
    from gpu_worker.gpu.codec import BACKENDS
    from gpu_worker.gpu.codec import ENV as DECODE_BACKEND

    platform, plan = prod
    workers = [c for c in worker_containers(plan, worker_images(platform)) if c.spec["args"][0] == "serve"]
    assert workers
    for worker in workers:
        env = {e["name"]: e.get("value") for e in worker.spec.get("env", [])}
        assert env[DECODE_BACKEND] in BACKENDS
        writable = [m["mountPath"] for m in worker.spec["volumeMounts"] if not m.get("readOnly")]
        for variable in ("CUPY_CACHE_DIR", "CUDA_CACHE_PATH"):
            assert any(env[variable].startswith(f"{path}/") for path in writable), (variable, env[variable])
        assert worker.spec["startupProbe"]["httpGet"]["port"] == worker.spec["livenessProbe"]["httpGet"]["port"]
