"""The model services, read from the plan: Triton pods on the GPU pools (tolerating their taint, requesting GPUs),
ready on Triton's ready endpoint on the port Triton serves, scraped on the port Triton exports metrics on, scaled
by their own HPA, and their GPUs carved out of the pools before the photo worker's."""

from __future__ import annotations

from typing import Any

import pytest

from components.kubernetes.objects import SCRAPED
from foundation.naming import METRICS_PORT
from foundation.scheduling import GPU_NODE_LABELS, GPU_RESOURCE, GPU_TAINT
from tests.wiring.cluster import Cluster, clusters
from tests.wiring.test_autoscaling import _gpu_capacity


def _flag(args: list[str], name: str) -> str:
    (value,) = [a.split("=", 1)[1] for a in args if a.startswith(f"--{name}=")]
    return value


def _model_deployments(cluster: Cluster, names: set[str]) -> list[dict[str, Any]]:
    found = [d for d in cluster.of_kind("Deployment") if d["metadata"]["name"] in names]
    assert {d["metadata"]["name"] for d in found} == names, cluster.region
    return found


@pytest.fixture(scope="module")
def models(prod) -> list[tuple[Cluster, dict[str, Any]]]:
    platform, plan = prod
    names = {s.name for s in platform.kubernetes.model_services}
    assert names, "prod runs the seed's model services"
    return [(c, d) for c in clusters(plan, platform).values() for d in _model_deployments(c, names)]


def test_model_pods_tolerate_the_gpu_taint_select_gpu_nodes_and_request_gpus(models) -> None:
    toleration = GPU_TAINT.toleration_values()
    for cluster, deployment in models:
        pod = deployment["spec"]["template"]["spec"]
        assert any(all(t.get(k) == v for k, v in toleration.items()) for t in pod.get("tolerations") or []), (
            cluster.region
        )
        assert GPU_NODE_LABELS.items() <= pod["nodeSelector"].items()
        (container,) = pod["containers"]
        assert int(container["resources"]["requests"][GPU_RESOURCE]) >= 1
        assert container["resources"]["limits"][GPU_RESOURCE] == container["resources"]["requests"][GPU_RESOURCE]
        assert container["args"][0] == "tritonserver"


def test_readiness_is_tritons_ready_endpoint_on_the_port_triton_serves_http_on(models) -> None:
    for _, deployment in models:
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        http_port = int(_flag(container["args"], "http-port"))
        for probe, path in (("readinessProbe", "/v2/health/ready"), ("livenessProbe", "/v2/health/live")):
            get = container[probe]["httpGet"]
            assert get["path"] == path
            assert ports[get["port"]] == http_port, deployment["metadata"]["name"]


def test_triton_metrics_are_served_where_the_service_and_scrape_label_point(models) -> None:
    for cluster, deployment in models:
        name = deployment["metadata"]["name"]
        template = deployment["spec"]["template"]
        (container,) = template["spec"]["containers"]
        assert int(_flag(container["args"], "metrics-port")) == METRICS_PORT
        assert SCRAPED.items() <= template["metadata"]["labels"].items()
        (service,) = [s for s in cluster.of_kind("Service") if s["metadata"]["name"] == name]
        assert {"name": "http-metrics", "port": METRICS_PORT, "targetPort": METRICS_PORT} in service["spec"]["ports"]


def test_model_services_have_their_own_hpa_and_no_replica_count(models) -> None:
    for cluster, deployment in models:
        name = deployment["metadata"]["name"]
        assert "replicas" not in deployment["spec"]
        (hpa,) = [h for h in cluster.of_kind("HorizontalPodAutoscaler") if h["spec"]["scaleTargetRef"]["name"] == name]
        assert hpa["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]


def test_worker_maximum_plus_model_gpus_fit_the_gpu_pools_per_region(prod) -> None:
    platform, plan = prod
    capacity = _gpu_capacity(plan, {r.id for r in platform.regions})
    names = {s.name for s in platform.kubernetes.model_services}
    for region, cluster in clusters(plan, platform).items():
        (scaled,) = [s for s in cluster.of_kind("ScaledObject") if s["spec"]["scaleTargetRef"]["name"] == "gpu-worker"]
        hpas = {h["spec"]["scaleTargetRef"]["name"]: h["spec"] for h in cluster.of_kind("HorizontalPodAutoscaler")}
        model_gpus = 0
        for deployment in _model_deployments(cluster, names):
            (container,) = deployment["spec"]["template"]["spec"]["containers"]
            model_gpus += hpas[deployment["metadata"]["name"]]["maxReplicas"] * int(
                container["resources"]["requests"][GPU_RESOURCE]
            )
        worker = scaled["spec"]["maxReplicaCount"]
        assert worker >= 1, region
        assert worker + model_gpus <= capacity[region], f"{region}: {worker} + {model_gpus} > {capacity[region]}"
