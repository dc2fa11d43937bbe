"""Monitoring: ServiceMonitors (worker, jobs API, Redis exporter), the seed's alerts as a PrometheusRule, and
a Grafana dashboard."""

from __future__ import annotations

import json

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.objects import meta
from foundation.naming import JOBS_API, PROMETHEUS_RELEASE, REDIS_EXPORTER, WORKER

SELECTED = {"release": PROMETHEUS_RELEASE}  # kube-prometheus-stack selects rules and monitors by this label

# (alert, expression, for, severity, summary) — thresholds from seeds 000 and 001.
ALERTS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "PhotoProcessingHighLatency",
        "histogram_quantile(0.95, sum(rate(wedsync_job_latency_seconds_bucket[5m])) by (le)) > 2",
        "2m",
        "warning",
        "p95 photo processing latency above 2 s",
    ),
    (
        "PhotoProcessingHighErrorRate",
        "sum(rate(wedsync_jobs_failed_total[5m])) / clamp_min(sum(rate(wedsync_jobs_done_total[5m])), 1e-9) > 0.05",
        "1m",
        "critical",
        "more than 5% of photo jobs fail",
    ),
    (
        "PhotoJobsDeadLettered",
        "increase(wedsync_jobs_dead_lettered_total[15m]) > 0",
        "0m",
        "critical",
        "a photo job was parked in the dead-letter stream",
    ),
    (
        "GPUUtilizationHigh",
        "avg by (Hostname) (DCGM_FI_DEV_GPU_UTIL) > 90",
        "5m",
        "warning",
        "GPU utilisation above 90%",
    ),
    (
        "WorkerMemoryGrowth",
        f'increase(container_memory_working_set_bytes{{container="{WORKER}"}}[1h]) > 1e9',
        "10m",
        "warning",
        "worker memory grew by over 1 GB in an hour",
    ),
    (
        "WorkerCrashLooping",
        f'rate(kube_pod_container_status_restarts_total{{container="{WORKER}"}}[5m]) > 0.1',
        "2m",
        "critical",
        "worker pods are restarting repeatedly",
    ),
    ("PhotoQueueBacklog", "max(wedsync_queue_lag) > 100", "5m", "warning", "more than 100 photos wait in the queue"),
    (
        "RedisMemoryHigh",
        "max(redis_memory_used_bytes / redis_memory_max_bytes) > 0.8",
        "5m",
        "critical",
        "job queue Redis above 80% of memory (noeviction: writes will be refused)",
    ),
    (
        "WeddingTrafficSpike",
        f'sum(rate(istio_requests_total{{destination_workload="{JOBS_API}"}}[5m])) > 100',
        "2m",
        "info",
        "photo API traffic above 100 requests/s",
    ),
)


def _dashboard() -> str:
    panels = [
        ("Jobs done / s", "sum(rate(wedsync_jobs_done_total[5m]))"),
        ("Failed attempts / s", "sum(rate(wedsync_jobs_failed_total[5m]))"),
        ("Queue lag", "max(wedsync_queue_lag)"),
        ("p95 latency (s)", "histogram_quantile(0.95, sum(rate(wedsync_job_latency_seconds_bucket[5m])) by (le))"),
        ("GPU utilisation (%)", "avg(DCGM_FI_DEV_GPU_UTIL)"),
        ("Device memory (bytes)", "sum(wedsync_device_memory_bytes)"),
    ]
    return json.dumps(
        {
            "title": "wedsync GPU worker",
            "uid": "wedsync-gpu-worker",
            "schemaVersion": 39,
            "refresh": "30s",
            "panels": [
                {
                    "id": i + 1,
                    "type": "timeseries",
                    "title": title,
                    "gridPos": {"x": (i % 2) * 12, "y": i // 2 * 8, "w": 12, "h": 8},
                    "targets": [{"expr": expr, "refId": "A"}],
                }
                for i, (title, expr) in enumerate(panels)
            ],
        }
    )


class Monitoring(pulumi.ComponentResource):
    """What kube-prometheus-stack picks up for the worker and the jobs API."""

    def __init__(self, name: str, namespace: str, runbooks_url: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:k8s:Monitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        for app in (WORKER, JOBS_API, REDIS_EXPORTER):
            k8s.apiextensions.CustomResource(
                f"{name}-{app}-monitor",
                api_version="monitoring.coreos.com/v1",
                kind="ServiceMonitor",
                metadata=meta(app, namespace, SELECTED),
                spec={
                    "selector": {"matchLabels": {"app": app}},
                    "endpoints": [
                        {"port": "http-metrics", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}
                    ],
                },
                opts=child,
            )
        rules = [
            {
                "alert": alert,
                "expr": expr,
                "for": duration,
                "labels": {"severity": severity, "team": "platform"},
                "annotations": {"summary": summary, "runbook_url": f"{runbooks_url}#{alert.lower()}"},
            }
            for alert, expr, duration, severity, summary in ALERTS
        ]
        k8s.apiextensions.CustomResource(
            f"{name}-alerts",
            api_version="monitoring.coreos.com/v1",
            kind="PrometheusRule",
            metadata=meta("photo-platform-alerts", namespace, SELECTED),
            spec={"groups": [{"name": "photo-platform", "rules": rules}]},
            opts=child,
        )
        k8s.core.v1.ConfigMap(
            f"{name}-dashboard",
            metadata=meta("gpu-worker-dashboard", namespace, {"grafana_dashboard": "1"}),
            data={"gpu-worker.json": _dashboard()},
            opts=child,
        )
        self.register_outputs({})
