"""Monitoring: ServiceMonitors (worker, jobs API, Redis exporter), a PodMonitor for the sidecars' Envoy stats,
the seed's alerts as a PrometheusRule, and a Grafana dashboard.

Counters are read with rate/increase, gauges with deriv/delta, and every threshold is one the metric can reach
(tests/wiring/test_scraping.py parses each expression and checks it against what the scraped targets export).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import NamedTuple

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.alert_routing import REGION_DOWN_ALERT, SYMPTOM_LABEL
from components.kubernetes.objects import PART_OF, meta
from foundation.naming import (
    ENVOY_STATS_PATH,
    ENVOY_STATS_PORT_NAME,
    JOBS_API,
    PROMETHEUS_SELECTOR,
    REDIS_EXPORTER,
    WORKER,
)

# The kubelet restarts a crashing container after a back-off that doubles from 10 s up to 5 minutes
# (pkg/kubelet/kubelet.go: backOffPeriod, MaxContainerBackOff): a steady crash loop restarts about every 5 min.
CRASH_LOOP_WINDOW = "30m"
CRASH_LOOP_RESTARTS = 3


class Alert(NamedTuple):
    """One alerting rule. `workload` groups its notifications; a `symptom` is muted while RegionDown fires."""

    name: str
    expr: str
    duration: str
    severity: str
    workload: str
    summary: str
    symptom: bool = False


def runbook_file(alert: str) -> str:
    """The alert's runbook under docs/runbooks/: its name in kebab-case, e.g. region-down.md."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", alert).lower() + ".md"


def runbook_url(base: str, alert: str) -> str:
    """Where an alert's runbook link points: the runbooks base URL (`kubernetes.runbooks_url`) and its file."""
    return f"{base.rstrip('/')}/{runbook_file(alert)}"


def autoscaler_errors_alert(workload: str) -> Alert:
    """KEDA failing on a queue worker's triggers (its ScaledObject is named after the workload). No namespace
    matcher: the operator's own `namespace` label is renamed `exported_namespace` by the scrape."""
    return Alert(
        "WorkerAutoscalerErrors",
        f'sum(increase(keda_scaled_object_errors_total{{scaledObject="{workload}"}}[10m])) > 0',
        "10m",
        "critical",
        workload,
        f"KEDA cannot evaluate the {workload} triggers: its pod count no longer follows the queue",
        symptom=True,
    )


def crash_looping_alert(workload: str) -> Alert:
    """A queue worker's container (named after the workload) restarting under the kubelet's back-off."""
    return Alert(
        "WorkerCrashLooping",
        f'increase(kube_pod_container_status_restarts_total{{container="{workload}"}}[{CRASH_LOOP_WINDOW}])'
        f" >= {CRASH_LOOP_RESTARTS}",
        "0m",
        "critical",
        workload,
        f"a {workload} container restarted {CRASH_LOOP_RESTARTS} times in {CRASH_LOOP_WINDOW}",
        symptom=True,
    )


# Thresholds from seeds 000 and 001. RegionDown is the cause the alerts marked as symptoms follow from.
ALERTS: tuple[Alert, ...] = (
    Alert(
        REGION_DOWN_ALERT,
        "max(redis_up) == 0",
        "2m",
        "critical",
        REDIS_EXPORTER,
        "the region cannot take or process photo jobs: its job queue Redis is unreachable",
    ),
    Alert(
        "PhotoProcessingHighLatency",
        "histogram_quantile(0.95, sum(rate(wedsync_job_latency_seconds_bucket[5m])) by (le)) > 2",
        "2m",
        "warning",
        WORKER,
        "p95 photo processing latency above 2 s",
        symptom=True,
    ),
    Alert(
        "PhotoProcessingHighErrorRate",
        "sum(rate(wedsync_jobs_failed_total[5m])) / clamp_min(sum(rate(wedsync_jobs_done_total[5m])), 1e-9) > 0.05",
        "1m",
        "critical",
        WORKER,
        "more than 5% of photo jobs fail",
        symptom=True,
    ),
    Alert(
        "PhotoJobsDeadLettered",
        "increase(wedsync_jobs_dead_lettered_total[15m]) > 0",
        "0m",
        "critical",
        WORKER,
        "a photo job was parked in the dead-letter stream",
    ),
    Alert(
        "GPUUtilizationHigh",
        "avg by (Hostname) (DCGM_FI_DEV_GPU_UTIL) > 90",
        "5m",
        "warning",
        WORKER,
        "GPU utilisation above 90%",
    ),
    Alert(
        "WorkerMemoryGrowth",
        f'deriv(container_memory_working_set_bytes{{container="{WORKER}"}}[1h]) * 3600 > 1e9',
        "10m",
        "warning",
        WORKER,
        "worker memory grew by over 1 GB in an hour",
    ),
    crash_looping_alert(WORKER),
    Alert(
        "PhotoQueueBacklog",
        "max(wedsync_queue_lag) > 100",
        "5m",
        "warning",
        WORKER,
        "more than 100 photos wait in the queue",
        symptom=True,
    ),
    Alert(
        "RedisMemoryHigh",
        "max(redis_memory_used_bytes / redis_memory_max_bytes) > 0.8",
        "5m",
        "critical",
        REDIS_EXPORTER,
        "job queue Redis above 80% of memory (noeviction: writes will be refused)",
    ),
    Alert(
        "WeddingTrafficSpike",
        f'sum(rate(istio_requests_total{{reporter="destination", destination_workload="{JOBS_API}"}}[5m])) > 100',
        "2m",
        "info",
        JOBS_API,
        "photo API traffic above 100 requests/s",
    ),
    autoscaler_errors_alert(WORKER),
)


def service_monitor(
    name: str, app: str, namespace: str, opts: pulumi.ResourceOptions
) -> k8s.apiextensions.CustomResource:
    """A ServiceMonitor scraping the `http-metrics` port of `app`'s Service every 30 s."""
    return k8s.apiextensions.CustomResource(
        name,
        api_version="monitoring.coreos.com/v1",
        kind="ServiceMonitor",
        metadata=meta(app, namespace, PROMETHEUS_SELECTOR),
        spec={
            "selector": {"matchLabels": {"app": app}},
            "endpoints": [{"port": "http-metrics", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}],
        },
        opts=opts,
    )


def alert_rule(alert: Alert, runbooks_url: str) -> dict[str, object]:
    """A Prometheus alerting rule with its severity, owning team and workload, and a runbook link."""
    return {
        "alert": alert.name,
        "expr": alert.expr,
        "for": alert.duration,
        "labels": {
            "severity": alert.severity,
            "team": "platform",
            "workload": alert.workload,
            **(dict([SYMPTOM_LABEL]) if alert.symptom else {}),
        },
        "annotations": {"summary": alert.summary, "runbook_url": runbook_url(runbooks_url, alert.name)},
    }


def prometheus_rule(
    name: str,
    rule_name: str,
    namespace: str,
    group: str,
    alerts: Sequence[Alert],
    runbooks_url: str,
    opts: pulumi.ResourceOptions,
) -> k8s.apiextensions.CustomResource:
    """A PrometheusRule holding one group of alerts, labelled for the platform's Prometheus to load."""
    return k8s.apiextensions.CustomResource(
        name,
        api_version="monitoring.coreos.com/v1",
        kind="PrometheusRule",
        metadata=meta(rule_name, namespace, PROMETHEUS_SELECTOR),
        spec={"groups": [{"name": group, "rules": [alert_rule(alert, runbooks_url) for alert in alerts]}]},
        opts=opts,
    )


Panel = tuple[str, str]  # a time-series panel: its title and its PromQL
PANEL_WIDTH, PANEL_HEIGHT = 12, 8  # two panels side by side on Grafana's 24-column grid


def dashboard(title: str, uid: str, rows: Sequence[tuple[str | None, Sequence[Panel]]]) -> str:
    """A Grafana dashboard (schema 39) of time-series panels two to a line, each group under a row header
    (none where the row's title is None)."""
    panels: list[dict[str, object]] = []
    y = 0
    for row, row_panels in rows:
        if row is not None:
            grid = {"x": 0, "y": y, "w": 2 * PANEL_WIDTH, "h": 1}
            panels.append({"id": len(panels) + 1, "type": "row", "title": row, "collapsed": False, "gridPos": grid})
            y += 1
        for i, (panel_title, expr) in enumerate(row_panels):
            grid = {"x": (i % 2) * PANEL_WIDTH, "y": y + i // 2 * PANEL_HEIGHT, "w": PANEL_WIDTH, "h": PANEL_HEIGHT}
            panels.append(
                {
                    "id": len(panels) + 1,
                    "type": "timeseries",
                    "title": panel_title,
                    "gridPos": grid,
                    "targets": [{"expr": expr, "refId": "A"}],
                }
            )
        y += -(-len(row_panels) // 2) * PANEL_HEIGHT
    return json.dumps({"title": title, "uid": uid, "schemaVersion": 39, "refresh": "30s", "panels": panels})


GPU_WORKER_PANELS: tuple[Panel, ...] = (
    ("Jobs done / s", "sum(rate(wedsync_jobs_done_total[5m]))"),
    ("Failed attempts / s", "sum(rate(wedsync_jobs_failed_total[5m]))"),
    ("Queue lag", "max(wedsync_queue_lag)"),
    ("p95 latency (s)", "histogram_quantile(0.95, sum(rate(wedsync_job_latency_seconds_bucket[5m])) by (le))"),
    ("GPU utilisation (%)", "avg(DCGM_FI_DEV_GPU_UTIL)"),
    ("Device memory (bytes)", "sum(wedsync_device_memory_bytes)"),
)


class Monitoring(pulumi.ComponentResource):
    """What kube-prometheus-stack picks up for the worker and the jobs API."""

    def __init__(
        self,
        name: str,
        namespace: str,
        runbooks_url: str,
        opts: pulumi.ResourceOptions | None = None,
        worker_alerts: tuple[Alert, ...] = (),
    ):
        """`worker_alerts`: the GPU worker's alerts as a queue worker (components/kubernetes/queue_monitoring.py)."""
        super().__init__("wedsync:k8s:Monitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        for app in (WORKER, JOBS_API, REDIS_EXPORTER):
            service_monitor(f"{name}-{app}-monitor", app, namespace, child)
        k8s.apiextensions.CustomResource(  # istio_* metrics: every sidecar's Envoy, on a port outside capture
            f"{name}-envoy-monitor",
            api_version="monitoring.coreos.com/v1",
            kind="PodMonitor",
            metadata=meta("envoy-stats", namespace, PROMETHEUS_SELECTOR),
            spec={
                "selector": {"matchLabels": {"app.kubernetes.io/part-of": PART_OF}},
                "podMetricsEndpoints": [
                    {"port": ENVOY_STATS_PORT_NAME, "path": ENVOY_STATS_PATH, "interval": "30s", "scrapeTimeout": "10s"}
                ],
            },
            opts=child,
        )
        prometheus_rule(
            f"{name}-alerts",
            "photo-platform-alerts",
            namespace,
            "photo-platform",
            (*ALERTS, *worker_alerts),
            runbooks_url,
            child,
        )
        k8s.core.v1.ConfigMap(
            f"{name}-dashboard",
            metadata=meta("gpu-worker-dashboard", namespace, {"grafana_dashboard": "1"}),
            data={
                "gpu-worker.json": dashboard("wedsync GPU worker", "wedsync-gpu-worker", [(None, GPU_WORKER_PANELS)])
            },
            opts=child,
        )
        self.register_outputs({})
