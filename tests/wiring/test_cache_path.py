"""The cache path, read from the plan: the cache service names its own region's cluster endpoint, the HPA scales
the Rollout that exists on load (never on hit rate), the hit-rate alert reads what the service exports, the
service's identity is the one the cache admits, and only its callers get through to it."""

from __future__ import annotations

from typing import Any

import pytest

from components.gcp.cache import CONNECT_ROLE
from foundation.naming import CACHE_SECRET, CACHE_SERVICE, CACHE_SERVICE_PORT, GKE_WORKLOAD_IDENTITY_ANNOTATION
from infra.offline.plan import Plan
from tests.plan_helpers import by_output
from tests.test_cache_tier import cache_groups
from tests.wiring.access import Client, reachable
from tests.wiring.cluster import Cluster, clusters, top_level
from tests.wiring.exporters import inventory
from tests.wiring.promql import comparison, selectors

REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "asia-southeast1"]
NS = "photography-ai"


@pytest.fixture(scope="module")
def prod_clusters(prod) -> dict[str, Cluster]:
    platform, plan = prod
    return clusters(plan, platform)


def _container(cluster: Cluster) -> dict[str, Any]:
    (container,) = cluster.named_workload(NS, CACHE_SERVICE)["spec"]["template"]["spec"]["containers"]
    return container


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container["env"]}


def _cache_endpoints(plan: Plan) -> dict[str, str]:
    """Each region's cache discovery endpoint (host:port) as the cloud reports it."""
    owner = top_level(plan)
    found = {owner(g): f"{g.outputs['configurationEndpointAddress']}:{g.outputs['port']}" for g in cache_groups(plan)}
    for cluster in plan.of_type("gcp:redis/cluster:Cluster"):
        (endpoint,) = cluster.outputs["discoveryEndpoints"]
        found[owner(cluster)] = f"{endpoint['address']}:{endpoint['port']}"
    return found


@pytest.mark.parametrize("region", REGIONS)
def test_the_cache_service_names_its_own_regions_cluster_endpoint(prod, prod_clusters, region: str) -> None:
    platform, plan = prod
    assert platform.cache is not None
    env = _env(_container(prod_clusters[region]))
    assert env["CACHE_ENDPOINT"] == _cache_endpoints(plan)[region]
    assert env["REDIS_URL"] == {"secretKeyRef": {"name": CACHE_SECRET, "key": "url"}}
    secret = prod_clusters[region].named("Secret", CACHE_SECRET, NS)
    keys = set(secret["metadata"]["annotations"]["wedsync.io/keys"].split(","))
    assert {ref["secretKeyRef"]["key"] for ref in env.values() if isinstance(ref, dict)} <= keys
    replica = platform.cache.primary_of(region) is not None  # a Global Datastore member is read-only
    assert env["CACHE_READ_ONLY"] == str(replica).lower() and (region in ("us-west-2", "eu-central-1")) is replica
    iam = region == "asia-southeast1"
    assert env["CACHE_AUTH_MODE"] == ("iam" if iam else "token") and ("REDIS_PASSWORD" in env) is not iam


@pytest.mark.parametrize("region", REGIONS)
def test_the_hpa_scales_the_rollout_that_exists_on_load_only(prod, prod_clusters, region: str) -> None:
    platform, _ = prod
    assert platform.cache is not None
    cluster = prod_clusters[region]
    hpa = cluster.named("HorizontalPodAutoscaler", CACHE_SERVICE, NS)["spec"]
    target = hpa["scaleTargetRef"]
    deployment = cluster.named(target["kind"], target["name"], NS)
    assert (target["kind"], target["apiVersion"], deployment["apiVersion"]) == ("Rollout",) + (
        "argoproj.io/v1alpha1",
    ) * 2
    assert "replicas" not in deployment["spec"]
    bounds = platform.cache.service.autoscale
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (bounds.min_replicas, bounds.max_replicas)
    assert {(m["type"], m["resource"]["name"]) for m in hpa["metrics"]} == {("Resource", "cpu"), ("Resource", "memory")}


def test_the_hit_rate_alert_reads_counters_the_scraped_service_exports(prod, prod_clusters) -> None:
    platform, _ = prod
    assert platform.cache is not None
    cluster = prod_clusters["eu-west-1"]
    (rule,) = cluster.named("PrometheusRule", f"{CACHE_SERVICE}-alerts", NS)["spec"]["groups"][0]["rules"]
    _, operator, threshold = comparison(rule["expr"])
    assert (rule["alert"], operator, threshold) == ("AiCacheHitRateLow", "<", platform.cache.service.min_hit_rate)
    exported = inventory(f"deployment:{CACHE_SERVICE}")
    assert {s.metric for s in selectors(rule["expr"])} == set(exported)
    monitor = cluster.named("PodMonitor", CACHE_SERVICE, NS)["spec"]
    (endpoint,) = monitor["podMetricsEndpoints"]
    assert endpoint["port"] in {p["name"] for p in _container(cluster)["ports"]}
    assert (
        monitor["selector"]["matchLabels"].items()
        <= cluster.named_workload(NS, CACHE_SERVICE)["spec"]["template"]["metadata"]["labels"].items()
    )


@pytest.mark.parametrize("region", REGIONS)
def test_the_service_runs_as_its_own_account_without_a_kubernetes_token(prod_clusters, region: str) -> None:
    cluster = prod_clusters[region]
    pod = cluster.named_workload(NS, CACHE_SERVICE)["spec"]["template"]["spec"]
    account = cluster.named("ServiceAccount", pod["serviceAccountName"], NS)
    assert pod["automountServiceAccountToken"] is False and account["automountServiceAccountToken"] is False
    budget = cluster.named("PodDisruptionBudget", CACHE_SERVICE, NS)["spec"]
    assert cluster.pods_selected_by(NS, budget["selector"]["matchLabels"]) and budget["minAvailable"] >= 1


def test_on_gcp_the_identity_allowed_to_connect_is_the_cache_services_own(prod, prod_clusters) -> None:
    _, plan = prod
    cluster = prod_clusters["asia-southeast1"]
    account = cluster.named("ServiceAccount", CACHE_SERVICE, NS)
    email = account["metadata"]["annotations"][GKE_WORKLOAD_IDENTITY_ANNOTATION]
    (grant,) = [m for m in plan.of_type("gcp:projects/iAMMember:IAMMember") if m.inputs["role"] == CONNECT_ROLE]
    assert grant.inputs["member"] == f"serviceAccount:{email}"
    google_account = by_output(plan, "gcp:serviceaccount/account:Account", "email", email)
    # The mocks leave the account's `name` unknown, so the binding is found by the name workload_service_account
    # gives it.
    (binding,) = [
        b
        for b in plan.of_type("gcp:serviceaccount/iAMMember:IAMMember")
        if b.name == f"{google_account.name}-workload-identity"
    ]
    assert binding.inputs["member"].endswith(f".svc.id.goog[{NS}/{CACHE_SERVICE}]")


@pytest.mark.parametrize("region", REGIONS)
def test_the_service_may_reach_the_cache_port_and_nothing_else_it_needs_is_missing(prod, prod_clusters, region) -> None:
    _, plan = prod
    policy = prod_clusters[region].named("NetworkPolicy", CACHE_SERVICE, NS)["spec"]
    (egress,) = policy["egress"]
    cache_port = int(_cache_endpoints(plan)[region].rsplit(":", 1)[1])
    assert [p["port"] for p in egress["ports"]] == [cache_port]
    (ingress,) = policy["ingress"]
    assert [p["port"] for p in ingress["ports"]] == [CACHE_SERVICE_PORT]


def _client(namespace: str) -> Client:
    return Client({"kubernetes.io/metadata.name": namespace}, meshed=True)


def test_only_the_configured_namespaces_get_through_to_the_service(prod_clusters, variant) -> None:
    cluster = prod_clusters["us-east-1"]
    pod = cluster.named_workload(NS, CACHE_SERVICE)["spec"]["template"]
    assert reachable(cluster, NS, pod, CACHE_SERVICE_PORT, "/", _client(NS)) == []
    assert reachable(cluster, NS, pod, CACHE_SERVICE_PORT, "/", _client("wedding-planner"))
    platform, plan = variant(
        "staging", lambda raw: raw["cache"]["service"].update(client_namespaces=["wedding-planner"])
    )
    opened = clusters(plan, platform)["us-east-1"]
    pod = opened.named_workload(NS, CACHE_SERVICE)["spec"]["template"]
    assert reachable(opened, NS, pod, CACHE_SERVICE_PORT, "/", _client("wedding-planner")) == []
    assert reachable(opened, NS, pod, CACHE_SERVICE_PORT, "/", _client("default"))
