"""Pods are admitted and drain cleanly: every pod template of a `restricted` namespace, as Istio injects it,
passes Pod Security `restricted`, and its proxy carries traffic for as long as the pod may take to stop."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from foundation.config import Cloud
from foundation.naming import ISTIO_NAMESPACE, WORKER
from foundation.scheduling import GPU_TAINT
from tests.wiring.cluster import clusters
from tests.wiring.injection import injected_in, proxy_lifetime_after_stop
from tests.wiring.pod_security import restricted_violations

ENFORCE = "pod-security.kubernetes.io/enforce"
INJECT = "sidecar.istio.io/inject"
# istio-cni/templates/daemonset.yaml: the node agent's fixed tolerations, so it runs on every node.
CNI_AGENT_TOLERATIONS = [
    {"effect": "NoSchedule", "operator": "Exists"},
    {"key": "CriticalAddonsOnly", "operator": "Exists"},
    {"effect": "NoExecute", "operator": "Exists"},
]
SIDECAR_CONTAINERS_DEFAULT_ON = 29  # Kubernetes minor release from which native sidecars are on by default


@dataclass(frozen=True)
class Pod:
    """A Deployment's pod template in a restricted namespace, as admission sees it."""

    region: str
    name: str
    spec: dict[str, Any]
    mesh_config: dict[str, Any]


def _injected(namespace_labels: dict[str, str], template: dict[str, Any]) -> bool:
    """The injector's policy: the namespace label (or the pod's label) asks for it, the pod does not refuse it."""
    refusal = {**(template["metadata"].get("annotations") or {}), **template["metadata"].get("labels", {})}
    if refusal.get(INJECT) == "false":
        return False
    return namespace_labels.get("istio-injection") == "enabled" or refusal.get(INJECT) == "true"


def _restricted_pods(prod) -> Iterator[Pod]:
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        values = cluster.values("istiod")
        for namespace in cluster.of_kind("Namespace"):
            labels = namespace["metadata"].get("labels", {})
            if labels.get(ENFORCE) != "restricted":
                continue
            for deployment in cluster.workloads(namespace["metadata"]["name"]):
                template = deployment["spec"]["template"]
                spec = injected_in(cluster, template) if _injected(labels, template) else template["spec"]
                yield Pod(region, deployment["metadata"]["name"], spec, values.get("meshConfig") or {})


def test_every_pod_of_a_restricted_namespace_is_admitted_as_injected(prod) -> None:
    pods = list(_restricted_pods(prod))
    assert {p.region for p in pods} == {r.id for r in prod[0].regions}
    assert all(any(c["name"] == "istio-proxy" for c in p.spec["initContainers"] + p.spec["containers"]) for p in pods)
    rejected = {f"{p.region}/{p.name}": restricted_violations(p.spec) for p in pods}
    assert {pod: problems for pod, problems in rejected.items() if problems} == {}


def test_the_proxy_carries_traffic_through_the_whole_termination_grace(prod) -> None:
    platform, _ = prod
    pods = list(_restricted_pods(prod))
    workers = [p for p in pods if p.name == WORKER]
    assert len(workers) == len(platform.regions)
    assert {p.spec["terminationGracePeriodSeconds"] for p in workers} == {platform.worker.termination_grace_seconds}
    short = {}
    for pod in pods:
        grace = pod.spec.get("terminationGracePeriodSeconds", 30)
        lifetime = proxy_lifetime_after_stop(pod.spec, pod.mesh_config)
        if lifetime < grace:
            short[f"{pod.region}/{pod.name}"] = f"proxy stops after {lifetime:g} s, the pod may take {grace} s"
    assert short == {}


def test_native_sidecars_are_on_by_default_in_every_clusters_kubernetes(prod) -> None:
    platform, _ = prod
    native = {p.region for p in _restricted_pods(prod) if any(c.get("restartPolicy") for c in p.spec["initContainers"])}
    assert native == {r.id for r in platform.regions}
    for region in platform.regions:
        assert int(region.kubernetes_version.split(".")[1]) >= SIDECAR_CONTAINERS_DEFAULT_ON, region.id


def test_traffic_capture_needs_no_privilege_in_workload_pods(prod) -> None:
    platform, plan = prod
    clouds = {r.id: r.cloud for r in platform.regions}
    for region, cluster in clusters(plan, platform).items():
        assert cluster.values("istiod").get("pilot", {}).get("cni", {}).get("enabled"), "capture without NET_ADMIN"
        (agent,) = [r for r in cluster.releases.values() if r["chart"] == "cni"]
        assert agent["namespace"] == ISTIO_NAMESPACE
        assert agent["version"] == cluster.releases["istiod"]["version"], "Istio's charts share one version"
        assert agent["repositoryOpts"] == cluster.releases["istiod"]["repositoryOpts"]
        assert GPU_TAINT.is_tolerated_by(CNI_AGENT_TOLERATIONS), "the agent must run on the GPU nodes too"
        values = agent.get("values") or {}
        assert not values.get("ambient", {}).get("enabled"), "sidecar mode: DestinationRules need no waypoints"
        if clouds[region] is Cloud.GCP:  # Istio's GKE prerequisites
            assert values["global"]["platform"] == "gke"
            assert values["cniBinDir"] == "/home/kubernetes/bin"
            assert values["resourceQuotas"]["enabled"] is True  # system-node-critical pods in istio-system
