"""Prometheus sees what it is meant to: every monitor is selected, every scrape passes the namespace's network
policy, mTLS and authorization, every series a rule or dashboard names is exported by a scraped target, functions
fit the metric's type, and thresholds are reachable."""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import unquote

from foundation.naming import MONITORING_NAMESPACE, REDIS_EXPORTER
from tests.wiring.access import Client, reachable
from tests.wiring.cluster import Cluster, clusters
from tests.wiring.exporters import COUNTER, GAUGE, inventory
from tests.wiring.injection import injected_in
from tests.wiring.promql import COUNTER_FUNCTIONS, GAUGE_FUNCTIONS, Selector, comparison, selectors
from tests.wiring.scrapes import (
    chart_monitors,
    program_monitors,
    prometheus_selectors,
    scraped_targets,
    velero_schedules,
)

NS = "photography-ai"  # the photo namespace, where the Redis exporter runs
PROMETHEUS = Client({"kubernetes.io/metadata.name": MONITORING_NAMESPACE}, meshed=False)
RESTARTS = "kube_pod_container_status_restarts_total"
MAX_CONTAINER_BACK_OFF_SECONDS = 300  # kubelet: pkg/kubelet/kubelet.go MaxContainerBackOff


def _rules(cluster: Cluster) -> list[dict[str, Any]]:
    return [rule for r in cluster.of_kind("PrometheusRule") for group in r["spec"]["groups"] for rule in group["rules"]]


def _expressions(cluster: Cluster) -> dict[str, str]:
    """Every PromQL expression of the cluster's rules and dashboards, by where it is."""
    found = {f"alert {r['alert']}": r["expr"] for r in _rules(cluster)}
    for config_map in cluster.of_kind("ConfigMap"):
        if config_map["metadata"].get("labels", {}).get("grafana_dashboard") != "1":
            continue
        for document in config_map["data"].values():
            for panel in json.loads(document)["panels"]:
                for target in panel.get("targets", []):  # row headers have none
                    found[f"panel {panel['title']}"] = target["expr"]
    return found


def _selectors(cluster: Cluster) -> list[tuple[str, Selector]]:
    return [(where, s) for where, expr in _expressions(cluster).items() for s in selectors(expr)]


def test_every_monitor_and_rule_carries_the_labels_prometheus_selects(prod) -> None:
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        selectors_ = prometheus_selectors(cluster)
        monitors = [*program_monitors(cluster), *chart_monitors(cluster)]
        unselected = [f"{m.kind} {m.name}" for m in monitors if not selectors_[m.kind].items() <= m.labels.items()]
        assert unselected == [], region
        keda = cluster.values("keda")
        if keda.get("prometheus", {}).get("operator", {}).get("enabled"):  # its metrics port is opened ...
            assert any(m.name == "keda-operator" for m in monitors), f"{region}: ... and scraped"


def _endpoints(cluster: Cluster) -> list[tuple[str, str, dict[str, Any], int, str]]:
    """(monitor, namespace, pod template as injected, container port, path) of every program monitor."""
    found = []
    for monitor in cluster.of_kind("ServiceMonitor"):
        namespace, spec = monitor["metadata"]["namespace"], monitor["spec"]
        for endpoint in spec["endpoints"]:
            for service in cluster.of_kind("Service", namespace):
                if not spec["selector"]["matchLabels"].items() <= service["metadata"].get("labels", {}).items():
                    continue
                for port in service["spec"]["ports"]:
                    if port.get("name") != endpoint["port"]:
                        continue
                    for pod in cluster.pods_selected_by(namespace, service["spec"]["selector"]):
                        number = _container_port(pod["spec"], port.get("targetPort", port["port"]))
                        found.append((monitor["metadata"]["name"], namespace, pod, number, endpoint["path"]))
    for monitor in cluster.of_kind("PodMonitor"):
        namespace, spec = monitor["metadata"]["namespace"], monitor["spec"]
        for pod in cluster.pods_selected_by(namespace, spec["selector"]["matchLabels"]):
            injected = {
                **pod,
                "spec": injected_in(cluster, pod),
            }
            for endpoint in spec["podMetricsEndpoints"]:
                number = _container_port(injected["spec"], endpoint["port"])
                found.append((monitor["metadata"]["name"], namespace, injected, number, endpoint["path"]))
    return found


def _container_port(spec: dict[str, Any], port: int | str) -> int:
    containers = spec.get("initContainers", []) + spec["containers"]
    (number,) = [
        p["containerPort"]
        for c in containers
        for p in c.get("ports", [])
        if port in (p.get("name"), p["containerPort"])
    ]
    return int(number)


def test_every_scrape_passes_network_policy_mtls_and_authorization(prod) -> None:
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        endpoints = _endpoints(cluster)
        assert endpoints, region
        blocked = {
            f"{monitor} -> {pod['metadata']['labels']['app']}:{port}{path}": problems
            for monitor, namespace, pod, port, path in endpoints
            if (problems := reachable(cluster, namespace, pod, port, path, PROMETHEUS))
        }
        assert blocked == {}, region


def exporter_streams(cluster: Cluster) -> set[str]:
    """The streams the Redis exporter reports on (`--check-single-streams`, each name URL-escaped: the exporter
    unescapes them, redis_exporter v1.74.0 exporter/keys.go parseKeyArg)."""
    (container,) = cluster.named_workload(NS, REDIS_EXPORTER)["spec"]["template"]["spec"]["containers"]
    flag = "--check-single-streams="
    return {unquote(key) for arg in container["args"] if arg.startswith(flag) for key in arg[len(flag) :].split(",")}


def _object_names(cluster: Cluster) -> dict[str, set[str]]:
    """The values the labels our expressions match on take: container, workload, ScaledObject (and the HPA KEDA
    makes of it: `keda-hpa-<name>`, keda.sh docs concepts/scaling-deployments), namespace names, the streams
    the exporter reports with the consumer groups KEDA reads them as, and the Velero Schedules the chart renders."""
    deployments = cluster.workloads()
    scaled = cluster.of_kind("ScaledObject")
    triggers = [t for s in scaled for t in s["spec"]["triggers"] if t["type"] == "redis-streams"]
    return {
        "container": {c["name"] for d in deployments for c in d["spec"]["template"]["spec"]["containers"]},
        "destination_workload": {d["metadata"]["name"] for d in deployments},
        "scaledObject": {s["metadata"]["name"] for s in scaled},
        "horizontalpodautoscaler": {f"keda-hpa-{s['metadata']['name']}" for s in scaled},
        "namespace": {n["metadata"]["name"] for n in cluster.of_kind("Namespace")},
        "stream": exporter_streams(cluster),
        "group": {t["metadata"]["consumerGroup"] for t in triggers},
        "schedule": velero_schedules(cluster),
    }


def test_every_series_of_a_rule_or_dashboard_is_exported_by_a_scraped_target(prod) -> None:
    """The metric is in the inventory of a target some selected monitor scrapes, and every label it is matched
    on names an object of the plan (a container, a workload, a ScaledObject)."""
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        exported: dict[str, str] = {}
        for target in scraped_targets(cluster):
            exported |= inventory(target)
        names = _object_names(cluster)
        missing = sorted({f"{where}: {s.metric}" for where, s in _selectors(cluster) if s.metric not in exported})
        missing += [
            f"{where}: {s.metric}{{{label}={value!r}}}"
            for where, s in _selectors(cluster)
            for label, value in s.labels.items()
            if label in names and value not in names[label]
        ]
        assert missing == [], region


def test_counters_are_read_with_rate_or_increase_and_gauges_with_deriv_or_delta(prod) -> None:
    platform, plan = prod
    cluster = next(iter(clusters(plan, platform).values()))
    types = {name: kind for target in scraped_targets(cluster) for name, kind in inventory(target).items()}
    misuse = []
    for where, selector in _selectors(cluster):
        kind = types.get(selector.metric)
        if selector.function in COUNTER_FUNCTIONS and kind != COUNTER:
            misuse.append(f"{where}: {selector.function}() of {kind} {selector.metric}")
        if selector.function in GAUGE_FUNCTIONS and kind != GAUGE:
            misuse.append(f"{where}: {selector.function}() of {kind} {selector.metric}")
        if selector.function is None and kind == COUNTER and not selector.metric.endswith("_bucket"):
            misuse.append(f"{where}: raw counter {selector.metric}")
    assert misuse == []


def test_restart_thresholds_are_reachable_by_a_crash_loop_under_back_off(prod) -> None:
    """A container crash-looping for a while restarts once per MaxContainerBackOff (5 min): an alert on restarts
    must fire on that steady rate, not on one the kubelet never allows."""
    platform, plan = prod
    cluster = next(iter(clusters(plan, platform).values()))
    checked = 0
    for rule in _rules(cluster):
        restarts = [s for s in selectors(rule["expr"]) if s.metric == RESTARTS]
        if not restarts:
            continue
        (selector,) = restarts
        _, operator, threshold = comparison(rule["expr"])
        window = selector.window.total_seconds() if selector.window else 0.0
        steady = math.floor(window / MAX_CONTAINER_BACK_OFF_SECONDS)
        value = steady / window if selector.function in ("rate", "irate") else float(steady)
        assert value > threshold if operator == ">" else value >= threshold, (
            f"{rule['alert']}: needs {operator} {threshold}, a crash loop gives {value:g} over {window:g} s"
        )
        checked += 1
    assert checked, "an alert watches the worker's restarts"
