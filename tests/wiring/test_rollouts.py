"""Canary rollouts (the jobs API's and the AI cache service's) meet what they name: autoscalers reach objects
that exist and no Deployment answers to two controllers; the Rollout's Services and route (the gateway's, or
the service's own mesh route) exist with both destinations, and Pulumi leaves the controller's weights alone;
the analysis asks Prometheus for series a scraped target exports; the cache's hit rate is the canary pods'
alone; the steps are seed 002's; and the freeze metric fails throughout the weekly window on the region's
own clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import promql_parser as pp
import pytest

from components.kubernetes.cache_service import HITS, POD_TEMPLATE_HASH, REQUESTS
from components.kubernetes.canary_analysis import cache_hit_rate
from foundation.calendar import in_weekly_window
from foundation.config import CanaryAnalysis, Rollouts
from foundation.naming import CACHE_SERVICE, JOBS_API, MONITORING_NAMESPACE, PROMETHEUS_RELEASE
from infra.offline.plan import Plan
from tests.wiring.cluster import Cluster, clusters, top_level
from tests.wiring.exporters import inventory
from tests.wiring.promql import evaluate_clock, selectors
from tests.wiring.scrapes import prometheus_selectors, scraped_targets

ROLLOUT_KINDS = {"Deployment": "apps/v1", "Rollout": "argoproj.io/v1alpha1"}
SCALERS = ("HorizontalPodAutoscaler", "ScaledObject")
# Seed 002 (zero-downtime-deployment.yaml): setWeight 10/25/50/75 with pauses of 2m/5m/10m/10m.
SEED_STEPS = [(10, "2m"), (25, "5m"), (50, "10m"), (75, "10m")]
FREEZE_METRIC = "outside-change-freeze"
HIT_RATE_METRIC = "cache-hit-rate"
CANARIED = pytest.mark.parametrize("app", [JOBS_API, CACHE_SERVICE])


def _rollout(cluster: Cluster, app: str, namespace: str) -> dict[str, Any]:
    """`app`'s Rollout: every cluster has one for the jobs API and (prod has a cache tier) the cache service."""
    found = [r for r in cluster.of_kind("Rollout", namespace) if r["metadata"]["name"] == app]
    assert found, f"{cluster.region}: no Rollout {app}"
    return found[0]


def _canary(rollout: dict[str, Any]) -> dict[str, Any]:
    return rollout["spec"]["strategy"]["canary"]


def _host(service: str, namespace: str) -> str:
    return f"{service}.{namespace}.svc.cluster.local"


@CANARIED
def test_autoscalers_target_objects_that_exist_and_no_deployment_has_two_controllers(prod, app: str) -> None:
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        _rollout(cluster, app, platform.kubernetes.namespace)
        managed = {  # Deployments a Rollout takes over through workloadRef
            (r["metadata"]["namespace"], r["spec"]["workloadRef"]["name"])
            for r in cluster.of_kind("Rollout")
            if r["spec"].get("workloadRef", {}).get("kind") == "Deployment"
        }
        targets: dict[str, tuple[str, str]] = {}
        for kind in SCALERS:
            for scaler in cluster.of_kind(kind):
                namespace, ref = scaler["metadata"]["namespace"], scaler["spec"]["scaleTargetRef"]
                target_kind = ref.get("kind", "Deployment")  # KEDA's default kind
                assert ref.get("apiVersion", "apps/v1") == ROLLOUT_KINDS[target_kind], (region, ref)
                assert cluster.named(target_kind, ref["name"], namespace), (region, ref)
                assert (target_kind != "Deployment") or (namespace, ref["name"]) not in managed, (region, ref)
                targets[ref["name"]] = (target_kind, namespace)
        assert targets[app] == ("Rollout", platform.kubernetes.namespace), region
        deployments = {d["metadata"]["name"] for d in cluster.of_kind("Deployment", platform.kubernetes.namespace)}
        assert app not in deployments, f"{region}: {app} runs as a Rollout only"


def _virtual_service(plan: Plan, region: str, namespace: str, name: str) -> tuple[dict[str, Any], list[str]]:
    owner = top_level(plan)
    (found,) = [
        r
        for r in plan.of_type("kubernetes:networking.istio.io/v1:VirtualService")
        if owner(r) == region and (r.inputs["metadata"]["name"], r.inputs["metadata"]["namespace"]) == (name, namespace)
    ]
    return found.inputs["spec"], found.ignore_changes


@CANARIED
def test_the_rollouts_services_and_route_exist_and_pulumi_leaves_its_weights_alone(prod, app: str) -> None:
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        for rollout in [_rollout(cluster, app, platform.kubernetes.namespace)]:
            namespace, canary = rollout["metadata"]["namespace"], _canary(rollout)
            pod_labels = rollout["spec"]["template"]["metadata"]["labels"]
            stable, candidate = (
                cluster.named("Service", canary[k], namespace) for k in ("stableService", "canaryService")
            )
            for service in (stable, candidate):  # both reach the Rollout's pods on the same ports
                assert service["spec"]["selector"].items() <= pod_labels.items(), (region, service["metadata"])
                assert service["spec"]["ports"] == stable["spec"]["ports"], region
            istio = canary["trafficRouting"]["istio"]["virtualService"]
            spec, ignored = _virtual_service(plan, region, namespace, istio["name"])
            for route_name in istio["routes"]:
                (index,) = [i for i, route in enumerate(spec["http"]) if route.get("name") == route_name]
                destinations = spec["http"][index]["route"]
                hosts = [d["destination"]["host"] for d in destinations]
                assert hosts == [_host(canary["stableService"], namespace), _host(canary["canaryService"], namespace)]
                assert [d["weight"] for d in destinations] == [100, 0], region
                assert {f"spec.http[{index}].route[{i}].weight" for i in range(2)} <= set(ignored), region
            rules = {r["spec"]["host"] for r in cluster.of_kind("DestinationRule", namespace)}
            assert {_host(canary[k], namespace) for k in ("stableService", "canaryService")} <= rules, region


def _analysis(cluster: Cluster, rollout: dict[str, Any]) -> list[dict[str, Any]]:
    namespace = rollout["metadata"]["namespace"]
    return [
        metric
        for template in _canary(rollout)["analysis"]["templates"]
        for metric in cluster.named("AnalysisTemplate", template["templateName"], namespace)["spec"]["metrics"]
    ]


@CANARIED
def test_analysis_queries_parse_and_ask_for_series_a_scraped_target_exports(prod, app: str) -> None:
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        exported: dict[str, str] = {}
        for target in scraped_targets(cluster):
            exported |= inventory(target)
        prometheus = cluster.releases[PROMETHEUS_RELEASE]
        assert prometheus["namespace"] == MONITORING_NAMESPACE
        services = {s["metadata"]["name"] for s in cluster.of_kind("Service")}
        for rollout in [_rollout(cluster, app, platform.kubernetes.namespace)]:
            metrics = {m["name"]: m for m in _analysis(cluster, rollout)}
            assert {"success-rate", "p95-latency-ms", FREEZE_METRIC} <= set(metrics), region
            for metric in metrics.values():
                source = metric["provider"]["prometheus"]
                assert source["address"].startswith(f"http://{PROMETHEUS_RELEASE}-prometheus.{MONITORING_NAMESPACE}.")
                for selector in selectors(source["query"]):
                    assert selector.metric in exported, f"{region} {metric['name']}: {selector.metric}"
                    named = selector.labels.get("destination_service_name")
                    assert named is None or named in services, f"{region}: no Service {named}"
                    assert named in {None, _canary(rollout)["canaryService"]}, "the canary's series only"
            assert (
                str(platform.kubernetes.rollouts.analysis.min_success_rate)
                in metrics["success-rate"]["successCondition"]
            )


@CANARIED
def test_the_canary_walks_seed_002s_steps(prod, app: str) -> None:
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        for rollout in [_rollout(cluster, app, platform.kubernetes.namespace)]:
            steps = _canary(rollout)["steps"]
            pairs = [(w["setWeight"], p["pause"]["duration"]) for w, p in zip(steps[::2], steps[1::2], strict=True)]
            assert pairs == SEED_STEPS, region
            assert "replicas" not in rollout["spec"], f"{region}: the autoscaler owns the count"


def _freeze_query(cluster: Cluster, rollout: dict[str, Any]) -> tuple[pp.Expr, dict[str, Any]]:
    (metric,) = [m for m in _analysis(cluster, rollout) if m["name"] == FREEZE_METRIC]
    return pp.parse(metric["provider"]["prometheus"]["query"]), metric


@pytest.mark.slow
@CANARIED
def test_no_rollout_proceeds_inside_the_change_freeze_on_the_regions_clock(prod, app: str) -> None:
    """Every quarter hour of the coming year: inside the local window the metric fails (and one failure aborts);
    more than the zone's DST shift away from it, the metric passes."""
    platform, plan = prod
    freeze = platform.freeze
    start = datetime(2026, 12, 1, tzinfo=UTC)
    instants = [start + timedelta(minutes=15 * i) for i in range(365 * 24 * 4)]
    zones = {r.id: r.timezone or freeze.timezone for r in platform.regions}
    for region, cluster in clusters(plan, platform).items():
        for rollout in [_rollout(cluster, app, platform.kubernetes.namespace)]:
            query, metric = _freeze_query(cluster, rollout)
            assert metric["successCondition"] == "result[0] == 0" and metric["failureLimit"] == 0
            for instant in instants:
                frozen = evaluate_clock(query, instant)
                if in_weekly_window(instant, freeze.weekday, freeze.start, freeze.end, zones[region]):
                    assert frozen == 1, (
                        f"{region}: a rollout would proceed at {instant.astimezone(ZoneInfo(zones[region]))}"
                    )
                near = any(
                    in_weekly_window(
                        instant + timedelta(hours=h), freeze.weekday, freeze.start, freeze.end, zones[region]
                    )
                    for h in (-1, 1)
                )
                if not near and not in_weekly_window(instant, freeze.weekday, freeze.start, freeze.end, zones[region]):
                    assert frozen == 0, f"{region}: frozen outside the window at {instant}"


def test_the_cache_canary_is_gated_on_its_own_pods_hit_rate(prod) -> None:
    """The hit-rate metric reads the service's counters on the canary's pods only: the query selects the pod
    template hash the Rollout passes in (`podTemplateHashValue: Latest`, argo-rollouts v1.9
    docs/features/analysis.md), the template declares that arg, and a monitor Prometheus selects copies the
    pods' hash label onto the series (prometheus-operator `podTargetLabels`, label name sanitized)."""
    platform, plan = prod
    namespace = platform.kubernetes.namespace
    assert platform.cache is not None
    hash_label = POD_TEMPLATE_HASH.replace("-", "_")
    for region, cluster in clusters(plan, platform).items():
        rollout = _rollout(cluster, CACHE_SERVICE, namespace)
        metrics = {m["name"]: m for m in _analysis(cluster, rollout)}
        assert {"success-rate", "p95-latency-ms", HIT_RATE_METRIC, FREEZE_METRIC} <= set(metrics), region
        gate = metrics[HIT_RATE_METRIC]
        assert gate["successCondition"].endswith(f"result[0] > {platform.cache.service.min_hit_rate}"), region
        assert platform.cache.service.min_hit_rate == 0.85  # seed 002
        found = selectors(gate["provider"]["prometheus"]["query"])
        assert {s.metric for s in found} == {HITS, REQUESTS}, region
        hashes = {s.labels.get(hash_label) for s in found}
        (placeholder,) = hashes
        assert placeholder is not None, f"{region}: hit rate not confined to one pod template"
        arg = placeholder.removeprefix("{{args.").removesuffix("}}")
        assert placeholder == f"{{{{args.{arg}}}}}", placeholder
        analysis = _canary(rollout)["analysis"]
        (template,) = analysis["templates"]
        declared = cluster.named("AnalysisTemplate", template["templateName"], namespace)["spec"].get("args", [])
        assert {"name": arg} in declared, f"{region}: the template does not declare {arg}"
        assert {"name": arg, "valueFrom": {"podTemplateHashValue": "Latest"}} in analysis.get("args", []), region
        pods = rollout["spec"]["template"]["metadata"]["labels"]
        selected = prometheus_selectors(cluster)["PodMonitor"]
        labelled = [
            m
            for m in cluster.of_kind("PodMonitor", namespace)
            if m["spec"]["selector"]["matchLabels"].items() <= pods.items()
            and selected.items() <= m["metadata"].get("labels", {}).items()
            and POD_TEMPLATE_HASH in m["spec"].get("podTargetLabels", [])
        ]
        assert labelled, f"{region}: no selected PodMonitor labels the cache pods' series with their template hash"


def test_the_cache_hit_rate_option_gates_on_the_services_own_counters() -> None:
    metric = cache_hit_rate("cache_hits_total", "cache_requests_total", 'namespace="ai-cache"', CanaryAnalysis())
    found = selectors(metric.query)
    assert {s.metric for s in found} == {"cache_hits_total", "cache_requests_total"}
    assert all(s.function == "rate" and s.labels == {"namespace": "ai-cache"} for s in found)
    assert metric.success_condition.endswith("result[0] > 0.85")


def test_canary_weights_must_rise() -> None:
    with pytest.raises(ValueError, match=r"steps.*strictly rise \(got \[25, 10\]\)"):
        Rollouts.model_validate({"steps": [{"weight": 25, "pause_minutes": 1}, {"weight": 10, "pause_minutes": 1}]})
