"""Velero's backups alert, read from the plan: every Schedule the chart renders has a stale alert whose `schedule`
matcher names it and whose bound follows from its own cron; failures of every kind are counted; Prometheus can
reach and selects the server's metrics (the series and their types: test_scraping.py, with the VELERO
inventory)."""

from __future__ import annotations

import re
from typing import Any

import promql_parser as pp

from foundation.cron import cron_interval_s
from foundation.naming import MONITORING_NAMESPACE, PROMETHEUS_RELEASE, VELERO_NAMESPACE
from tests.conftest import REPO
from tests.wiring.access import Client, reachable
from tests.wiring.cluster import HELM_RELEASE, Cluster, clusters
from tests.wiring.exporters import VELERO
from tests.wiring.promql import selectors
from tests.wiring.scrapes import scraped_targets, velero_schedules

STALE, FAILED = "VeleroBackupStale", "VeleroBackupFailed"
LAST_SUCCESS = "velero_backup_last_successful_timestamp"
# A backup on time is at most interval + its run old when the next one completes; the bound leaves at least this
# for the run, Velero's one-minute resync (backup_controller.go backupResyncPeriod) and a 30 s scrape ...
RUN_ALLOWANCE_S = 5 * 60
# ... and the server the chart runs: templates/deployment.yaml labels its pods so and names port 8085.
VELERO_POD = {
    "metadata": {
        "labels": {"name": "velero", "app.kubernetes.io/name": "velero", "app.kubernetes.io/instance": "velero"}
    },
    "spec": {"containers": [{"name": "velero", "ports": [{"name": "http-monitoring", "containerPort": 8085}]}]},
}


def _rules(cluster: Cluster, alert: str) -> list[dict[str, Any]]:
    return [
        rule
        for r in cluster.of_kind("PrometheusRule")
        for group in r["spec"]["groups"]
        for rule in group["rules"]
        if rule["alert"] == alert
    ]


def _stale_by_schedule(cluster: Cluster) -> dict[str, dict[str, Any]]:
    found = {}
    for rule in _rules(cluster, STALE):
        (schedule,) = {s.labels["schedule"] for s in selectors(rule["expr"])}
        assert schedule not in found, f"two stale alerts for {schedule}"
        found[schedule] = rule
    return found


def _bound(expr: str) -> tuple[float, set[float]]:
    """The age threshold of `(time() - max(...) > N) or absent_over_time(...)`, and every range the expression reads."""
    tree = pp.parse(expr)
    assert isinstance(tree, pp.BinaryExpr) and str(tree.op) == "or", expr
    stale = tree.lhs.expr if isinstance(tree.lhs, pp.ParenExpr) else tree.lhs
    assert isinstance(stale, pp.BinaryExpr) and str(stale.op) == ">" and isinstance(stale.rhs, pp.NumberLiteral)
    assert isinstance(tree.rhs, pp.Call) and tree.rhs.func.name == "absent_over_time", "a missing series is stale"
    found = selectors(expr)
    assert {s.metric for s in found} == {LAST_SUCCESS}
    return float(stale.rhs.val), {s.window.total_seconds() for s in found if s.window}


def _schedule_bounds(cluster: Cluster) -> dict[str, tuple[int, float]]:
    """Each rendered Schedule's interval (from the cron in the chart values) and its stale alert's bound."""
    stale = _stale_by_schedule(cluster)
    assert set(stale) == velero_schedules(cluster), "every Schedule has one stale alert, naming it"
    result = {}
    for name, schedule in cluster.values("velero")["schedules"].items():
        interval = cron_interval_s(schedule["schedule"])
        assert interval is not None, name
        threshold, windows = _bound(stale[f"velero-{name}"]["expr"])
        assert windows == {threshold}, f"{name}: the series may vanish for no longer than the bound"
        result[name] = (interval, threshold)
    return result


def test_every_schedule_alerts_when_its_backups_stop_within_one_missed_run(prod) -> None:
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        for name, (interval, threshold) in _schedule_bounds(cluster).items():
            assert interval + RUN_ALLOWANCE_S <= threshold, f"{region} {name}: fires on a schedule running on time"
            assert threshold <= 2 * interval + RUN_ALLOWANCE_S, f"{region} {name}: misses more than one run"
        bounds = _schedule_bounds(cluster)
        assert bounds["ai-cache"][1] <= 35 * 60, "seed 002's 15-minute cache backups are missed within 35 min"
        assert bounds["cluster"][1] <= 26 * 3600 + RUN_ALLOWANCE_S, "a missed daily backup is known the next day"


def test_the_stale_bound_follows_the_configured_cron(variant) -> None:
    def every_six_hours(raw: dict[str, Any]) -> None:
        raw["dr"] = {
            "backups": {
                "schedules": [
                    {"name": "ai-cache", "scope": "cache", "cron": "*/5 * * * *"},
                    {"name": "objects", "scope": "rest", "cron": "0 */6 * * *"},
                ]
            }
        }

    platform, plan = variant("staging", every_six_hours)
    for cluster in clusters(plan, platform).values():
        bounds = _schedule_bounds(cluster)
        assert {name: interval for name, (interval, _) in bounds.items()} == {"ai-cache": 300, "objects": 21600}
        for interval, threshold in bounds.values():
            assert interval + RUN_ALLOWANCE_S <= threshold <= 2 * interval + RUN_ALLOWANCE_S


def test_the_cache_schedule_pages_and_the_others_go_to_chat(prod) -> None:
    """A stale backup of the cache's namespace breaks seed 002's RPO (< 15 min): critical. The daily rest already
    has a day's RPO: a warning, like a single failed backup (the next run may succeed; if none does, stale)."""
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        stale = _stale_by_schedule(cluster)
        for name, schedule in cluster.values("velero")["schedules"].items():
            covers_cache = platform.kubernetes.namespace in schedule["template"]["includedNamespaces"]
            expected = "critical" if covers_cache else "warning"
            assert stale[f"velero-{name}"]["labels"]["severity"] == expected, (region, name)
        (failed,) = _rules(cluster, FAILED)
        assert failed["labels"]["severity"] == "warning"
        assert {r["labels"]["workload"] for r in [*stale.values(), failed]} == {"velero"}


def test_every_kind_of_failed_backup_is_counted(prod) -> None:
    platform, plan = prod
    cluster = next(iter(clusters(plan, platform).values()))
    (failed,) = _rules(cluster, FAILED)
    read = selectors(failed["expr"])
    assert {s.metric for s in read} == {m for m in VELERO if "fail" in m}
    assert all(s.function == "increase" and not s.labels for s in read), "every schedule, ad-hoc backups too"


def test_prometheus_selects_and_reaches_velero_s_metrics(prod) -> None:
    platform, plan = prod
    prometheus = Client({"kubernetes.io/metadata.name": MONITORING_NAMESPACE}, meshed=False)
    for region, cluster in clusters(plan, platform).items():
        assert "velero" in scraped_targets(cluster), region
        # `metrics.serviceMonitor.autodetect` renders the monitor only once the monitoring.coreos.com/v1 API exists
        # (templates/servicemonitor.yaml): the release is installed after kube-prometheus-stack, which brings it.
        releases = {r.inputs["name"]: r for r in plan.of_type(HELM_RELEASE) if r.name.startswith(f"{region}-")}
        assert releases[PROMETHEUS_RELEASE].urn in releases["velero"].dependencies, region
        assert reachable(cluster, VELERO_NAMESPACE, VELERO_POD, 8085, "/metrics", prometheus) == [], region
        holding = {
            (r["metadata"]["namespace"], r["metadata"]["name"])
            for r in cluster.of_kind("PrometheusRule")
            for group in r["spec"]["groups"]
            if any(rule["alert"] in (STALE, FAILED) for rule in group["rules"])
        }
        assert holding == {(cluster.releases["velero"]["namespace"], "velero-backup-alerts")}, region


def test_the_stale_runbook_states_the_bounds_the_prod_plan_alerts_at(prod) -> None:
    platform, plan = prod
    runbook = (REPO / "docs" / "runbooks" / "velero-backup-stale.md").read_text()
    stated = dict(re.findall(r"^\| `(velero-[\w-]+)` \| [^|]+ \| (\w+) \|", runbook, re.MULTILINE))
    cluster = next(iter(clusters(plan, platform).values()))
    alerted = {name: _window(rule["expr"]) for name, rule in _stale_by_schedule(cluster).items()}
    assert stated == alerted


def _window(expr: str) -> str:
    """The range the stale alert reads, as written in the expression (e.g. 26h5m)."""
    (window,) = set(re.findall(r"\[(\w+)\]", expr))
    return window
