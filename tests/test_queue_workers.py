"""The config-defined queue workers (seed 001: pdf-analysis): their config rules, and in the plan their namespace,
their own pool and price, and their egress through the Istio egress gateway with the residency of each region.
Autoscaling, quota and pool capacity run over every queue worker in tests/wiring/test_autoscaling.py."""

from __future__ import annotations

from typing import Any

import pytest

from foundation.config import ConfigError, QueueWorkload, Season, parse_platform_config
from foundation.cost import CostKind, region_cost
from foundation.egress import cloud_api_hosts
from foundation.scheduling import QUEUE_POOL_LABEL
from tests.conftest import shipped_raw
from tests.wiring.cluster import clusters

PDF_NAMESPACE = "wedsync-pdf-analysis"
DIGEST_IMAGE = "registry.example/pdf@sha256:" + "a" * 64


def _problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(raw)
    return caught.value.lines


def test_defaults_are_the_seed_001_numbers() -> None:
    workload = QueueWorkload(
        name="pdf-analysis",
        namespace=PDF_NAMESPACE,
        image=DIGEST_IMAGE,
        stream="pdf:jobs",
        group="pdf-workers",
        bucket_prefix="pdf-analysis/",
    )
    bounds = {season: (b.min_replicas, b.max_replicas) for season in Season for b in [workload.bounds(season)]}
    assert bounds == {Season.PEAK: (15, 100), Season.MODERATE: (8, 50), Season.OFF_SEASON: (3, 20)}
    assert workload.queue_target == 10
    assert (workload.resources.cpu_request, workload.resources.memory_request) == ("1", "2Gi")
    assert (workload.metrics.port, workload.metrics.path) == (9100, "/metrics")
    assert (workload.alerts.backlog_jobs, workload.alerts.backlog_minutes) == (100, 5)  # seed 001's backlog alert


@pytest.mark.parametrize("port", [8080, 15090, 15020])
def test_a_metrics_port_the_pod_already_uses_is_refused_by_its_key_path(port: int) -> None:
    """8080 is the image's health port, 15000-15090 the Istio sidecar's: the scrape would reach the wrong server."""
    raw = shipped_raw("prod")
    raw["queue_workers"][0]["metrics"] = {"port": port}
    (line,) = _problems(raw)
    assert line.startswith("queue_workers[0].metrics.port: ") and str(port) in line


def test_an_eu_region_rejects_an_endpoint_outside_the_eu() -> None:
    raw = shipped_raw("prod")
    raw["queue_workers"][0]["egress"][0]["regions"] = []  # api.openai.com (us) for every region, EU ones too
    (line,) = _problems(raw)
    assert line.startswith("queue_workers[0].egress[0].residency: EU regions ['eu-west-1', 'eu-central-1']")


def test_an_endpoint_without_a_stated_zone_is_refused_for_eu_regions() -> None:
    raw = shipped_raw("prod")
    del raw["queue_workers"][0]["egress"][1]["residency"]
    (line,) = _problems(raw)
    assert line.startswith("queue_workers[0].egress[1].residency:") and "no stated zone" in line


def test_an_image_by_tag_is_refused() -> None:
    raw = shipped_raw("prod")
    raw["queue_workers"][0]["image"] = "registry.example/pdf:1.0"
    (line,) = _problems(raw)
    assert line.startswith("queue_workers[0].image: ") and "digest" in line


def test_an_unknown_region_is_refused() -> None:
    raw = shipped_raw("prod")
    raw["queue_workers"][0]["egress"][0]["regions"] = ["us-east-1", "mars-1"]
    (line,) = _problems(raw)
    assert line.startswith("queue_workers[0].egress[0].regions: ") and "mars-1" in line


def test_each_region_calls_only_the_endpoints_of_its_residency(prod) -> None:
    """The ServiceEntries routed through the egress gateway are exactly the config's allow-list for the region;
    in an EU region every one keeps data in the EU."""
    platform, plan = prod
    (workload,) = platform.queue_workers
    for region in platform.regions:
        cluster = clusters(plan, platform)[region.id]
        routes = cluster.of_kind("VirtualService", PDF_NAMESPACE)
        routed = {host for route in routes for host in route["spec"]["hosts"]}
        allowed = {e.host: e.residency for e in workload.egress if not e.regions or region.id in e.regions}
        assert routed == set(allowed), region.id
        if region.residency == "eu":
            assert set(allowed.values()) == {"eu"}, region.id
        entries = {host for e in cluster.of_kind("ServiceEntry", PDF_NAMESPACE) for host in e["spec"]["hosts"]}
        assert entries == routed | set(cloud_api_hosts(region.cloud, region.id)), region.id


def test_egress_goes_through_the_gateway_the_add_ons_install(prod) -> None:
    """Sidecar REGISTRY_ONLY; each VirtualService sends the mesh's traffic to the egress gateway Service the Helm
    release creates, and the gateway's on to the host; the Gateway passes TLS through for the same hosts."""
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        release = cluster.releases["istio-egressgateway"]
        gateway_service = f"{release['name']}.{release['namespace']}.svc.cluster.local"
        (sidecar,) = cluster.of_kind("Sidecar", PDF_NAMESPACE)
        assert sidecar["spec"]["outboundTrafficPolicy"] == {"mode": "REGISTRY_ONLY"}
        (gateway,) = cluster.of_kind("Gateway", PDF_NAMESPACE)
        (server,) = gateway["spec"]["servers"]
        assert server["tls"] == {"mode": "PASSTHROUGH"}
        # The gateway chart labels its pods istio=<release name without "istio-"> (istio manifests/charts/gateway).
        assert gateway["spec"]["selector"] == {"istio": release["name"].removeprefix("istio-")}
        for route in cluster.of_kind("VirtualService", PDF_NAMESPACE):
            (host,) = route["spec"]["hosts"]
            assert host in server["hosts"], region
            mesh, out = route["spec"]["tls"]
            assert mesh["match"][0]["gateways"] == ["mesh"] and mesh["match"][0]["sniHosts"] == [host]
            assert mesh["route"][0]["destination"]["host"] == gateway_service
            assert out["match"][0]["gateways"] == [gateway["metadata"]["name"]]
            assert out["route"][0]["destination"]["host"] == host


def test_the_worker_runs_in_its_namespace_on_its_pool_reading_its_own_queue(prod) -> None:
    platform, plan = prod
    (workload,) = platform.queue_workers
    for region, cluster in clusters(plan, platform).items():
        (deployment,) = cluster.workloads(PDF_NAMESPACE)
        pod = deployment["spec"]["template"]["spec"]
        assert pod["nodeSelector"][QUEUE_POOL_LABEL] == workload.name
        assert "tolerations" not in pod, "a CPU pool: no GPU toleration"
        (container,) = pod["containers"]
        assert container["image"] == workload.image
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["WEDSYNC_STORE"].endswith("/" + workload.bucket_prefix)
        (namespace,) = [n for n in cluster.of_kind("Namespace") if n["metadata"]["name"] == PDF_NAMESPACE]
        assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
        assert cluster.of_kind("PodDisruptionBudget", PDF_NAMESPACE), region
        ingress = [
            rule
            for policy in cluster.of_kind("NetworkPolicy", PDF_NAMESPACE)
            for rule in policy["spec"].get("ingress", [])
        ]
        sources = {r["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for r in ingress}
        assert sources == {"monitoring"}, f"{region}: nothing but Prometheus reaches the workers"


def test_the_pool_is_priced_in_the_cost_table(prod) -> None:
    platform, _ = prod
    for region in platform.regions:
        cost = region_cost(platform, region, Season.PEAK)
        (line,) = [line for line in cost.lines if line.kind is CostKind.QUEUE_POOL]
        assert "pdf-analysis" in line.item
        # 100 pods at peak, 6 to a node: 17 nodes at the maximum
        assert line.at_max == pytest.approx(17 * line.at_min / 3)  # 15 pods at the minimum: 3 nodes
