"""What every queue worker gets to be watched by: its alerts and its row of the queue-workers dashboard, read from
its Redis stream and consumer group (redis_exporter), KEDA's HorizontalPodAutoscaler (kube-state-metrics) and
KEDA's own errors, none of them from the worker image, so they hold for any image; plus the PodMonitor that
scrapes the image's own metrics where its config says it serves them.

Upstream names these rely on:
- oliver006/redis_exporter v1.74.0 exporter/streams.go: with `--check-single-streams` it exports per stream and
  group (labels `stream`, `group`) the gauges `redis_stream_group_lag` (entries not yet delivered to the group),
  `redis_stream_group_messages_pending` (delivered, not acknowledged), `redis_stream_group_entries_read` (entries
  delivered so far, a running total) and `redis_stream_group_last_delivered_id` (the epoch milliseconds of the
  last delivered entry), and per consumer (label `consumer`, unless --streams-exclude-consumer-metrics)
  `redis_stream_group_consumer_messages_pending` and `redis_stream_group_consumer_idle_seconds`.
- KEDA names the HPA it creates for a ScaledObject `keda-hpa-<ScaledObject name>` (keda.sh docs,
  concepts/scaling-deployments, `advanced.horizontalPodAutoscalerConfig.name`), and kube-state-metrics exports
  `kube_horizontalpodautoscaler_status_current_replicas` and `..._spec_max_replicas` for it (labels `namespace`,
  `horizontalpodautoscaler`; internal/store/horizontalpodautoscaler.go).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.monitoring import (
    Alert,
    Panel,
    autoscaler_errors_alert,
    crash_looping_alert,
    dashboard,
    prometheus_rule,
)
from components.kubernetes.objects import meta, selector
from foundation.config import QueueAlerting
from foundation.naming import PROMETHEUS_SELECTOR

QUEUE_DASHBOARD = "queue-workers-dashboard"


def keda_hpa(scaled_object: str) -> str:
    """The HorizontalPodAutoscaler KEDA creates for a ScaledObject."""
    return f"keda-hpa-{scaled_object}"


@dataclass(frozen=True)
class WatchedQueue:
    """A queue worker as its alerts and dashboard row see it: the workload's name (its Deployment, container and
    ScaledObject, and the `workload` label of its alerts), its namespace, and the stream and group it reads."""

    workload: str
    namespace: str
    stream: str
    group: str

    @property
    def group_selector(self) -> str:
        return f'{{stream="{self.stream}", group="{self.group}"}}'

    @property
    def hpa_selector(self) -> str:
        return f'{{namespace="{self.namespace}", horizontalpodautoscaler="{keda_hpa(self.workload)}"}}'


def flow_alerts(queue: WatchedQueue, limits: QueueAlerting) -> tuple[Alert, ...]:
    """Whether the queue flows: consumers stalled with jobs waiting, jobs left claimed by a dead consumer, pods
    held at KEDA's maximum."""
    name, group, hpa = queue.workload, queue.group_selector, queue.hpa_selector
    stalled = f"{limits.stalled_minutes}m"
    return (
        Alert(
            "QueueWorkerStalled",
            # Jobs waited the whole window and the group's last delivered entry did not move: no consumer reads.
            f"min(min_over_time(redis_stream_group_lag{group}[{stalled}])) > 0"
            f" and max(delta(redis_stream_group_last_delivered_id{group}[{stalled}])) == 0",
            "0m",
            "critical",
            name,
            f"{name} jobs have waited {stalled} and no worker took one",
            symptom=True,
        ),
        Alert(
            "QueueWorkerJobsOrphaned",
            # A consumer's idle time counts from its last XREADGROUP, XCLAIM or XAUTOCLAIM (Redis XINFO CONSUMERS):
            # one that holds jobs and has not read or claimed for this long died with them, and nobody took them
            # over (or one job outlasts the window: the threshold is config).
            f"max(redis_stream_group_consumer_idle_seconds{group}"
            f" and redis_stream_group_consumer_messages_pending{group} > 0) > {limits.orphaned_minutes * 60}",
            "0m",
            "critical",
            name,
            f"a {name} consumer has held claimed jobs untouched for {limits.orphaned_minutes} minutes",
            symptom=True,
        ),
        Alert(
            "QueueWorkerAtMaxReplicas",
            f"kube_horizontalpodautoscaler_status_current_replicas{hpa}"
            f" >= kube_horizontalpodautoscaler_spec_max_replicas{hpa}",
            f"{limits.at_max_minutes}m",
            "warning",
            name,
            f"{name} has run at KEDA's maximum pod count for {limits.at_max_minutes} minutes",
        ),
    )


def queue_alerts(queue: WatchedQueue, limits: QueueAlerting) -> tuple[Alert, ...]:
    """A config-defined queue worker's alerts: backlog, the flow alerts, KEDA errors and a crash-looping worker
    (the GPU photo worker has its own backlog alert on its own lag gauge, and these others among its ALERTS)."""
    return (
        Alert(
            "QueueWorkerBacklog",
            f"max(redis_stream_group_lag{queue.group_selector}) > {limits.backlog_jobs}",
            f"{limits.backlog_minutes}m",
            "warning",
            queue.workload,
            f"more than {limits.backlog_jobs} {queue.workload} jobs wait to be delivered",
            symptom=True,
        ),
        *flow_alerts(queue, limits),
        autoscaler_errors_alert(queue.workload),
        crash_looping_alert(queue.workload),
    )


def queue_panels(queue: WatchedQueue) -> tuple[Panel, ...]:
    """The queue worker's dashboard row: waiting and claimed jobs, jobs taken per second (the processing rate),
    pods and KEDA's maximum."""
    name, group, hpa = queue.workload, queue.group_selector, queue.hpa_selector
    return (
        (f"{name}: jobs waiting (lag)", f"max(redis_stream_group_lag{group})"),
        (f"{name}: jobs claimed, not acknowledged", f"max(redis_stream_group_messages_pending{group})"),
        (f"{name}: jobs taken / s", f"max(deriv(redis_stream_group_entries_read{group}[5m]))"),
        (f"{name}: pods", f"max(kube_horizontalpodautoscaler_status_current_replicas{hpa})"),
        (f"{name}: KEDA maximum", f"max(kube_horizontalpodautoscaler_spec_max_replicas{hpa})"),
    )


def create_queue_alerts(
    name: str, queue: WatchedQueue, limits: QueueAlerting, runbooks_url: str, opts: pulumi.ResourceOptions
) -> None:
    """The worker's PrometheusRule, in its own namespace."""
    alerts = queue_alerts(queue, limits)
    prometheus_rule(name, f"{queue.workload}-alerts", queue.namespace, queue.workload, alerts, runbooks_url, opts)


def create_pod_monitor(name: str, queue: WatchedQueue, port_name: str, path: str, opts: pulumi.ResourceOptions) -> None:
    """Scrapes the worker pods' named metrics port (no Service: nothing calls the workers)."""
    k8s.apiextensions.CustomResource(
        name,
        api_version="monitoring.coreos.com/v1",
        kind="PodMonitor",
        metadata=meta(queue.workload, queue.namespace, PROMETHEUS_SELECTOR),
        spec={
            "selector": {"matchLabels": selector(queue.workload)},
            "podMetricsEndpoints": [{"port": port_name, "path": path, "interval": "30s", "scrapeTimeout": "10s"}],
        },
        opts=opts,
    )


def create_queue_dashboard(
    name: str, namespace: str, queues: tuple[WatchedQueue, ...], opts: pulumi.ResourceOptions
) -> None:
    """One dashboard with a row per queue worker (Grafana's sidecar loads it from any namespace)."""
    rows = [(queue.workload, queue_panels(queue)) for queue in queues]
    k8s.core.v1.ConfigMap(
        name,
        metadata=meta(QUEUE_DASHBOARD, namespace, {"grafana_dashboard": "1"}),
        data={"queue-workers.json": dashboard("wedsync queue workers", "wedsync-queue-workers", rows)},
        opts=opts,
    )
