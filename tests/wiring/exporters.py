"""One inventory of the metrics each scraped component exports: sample name -> type.

The worker's and the jobs API's come from their own prometheus_client registries (what the processes serve);
the others list the names the alerts and dashboards rely on, each from the exporter's source at the pinned
version. Histogram and counter samples are counters (`_total`, `_bucket`, `_sum`, `_count`).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from components.kubernetes.cache_service import HITS, REQUESTS
from foundation.naming import CACHE_SERVICE, JOBS_API, REDIS_EXPORTER, WORKER
from gpu_worker.api.observe import ApiMetrics
from gpu_worker.metrics import WorkerMetrics

COUNTER, GAUGE = "counter", "gauge"


def registry_inventory(registry: CollectorRegistry) -> dict[str, str]:
    """Every sample name a registry serves, typed as the functions over it must treat it."""
    inventory = {}
    for family in registry.collect():
        for sample in family.samples:
            gauge_like = family.type == GAUGE or sample.name.endswith("_created")  # a timestamp
            inventory[sample.name] = GAUGE if gauge_like else COUNTER
    return inventory


# oliver006/redis_exporter v1.74.0 exporter/exporter.go (metricMapGauges: used_memory, maxmemory), and
# exporter/streams.go for the streams named by --check-single-streams (all gauges: registerConstMetricGauge).
REDIS = {
    "redis_up": GAUGE,
    "redis_memory_used_bytes": GAUGE,
    "redis_memory_max_bytes": GAUGE,
    "redis_stream_group_lag": GAUGE,
    "redis_stream_group_messages_pending": GAUGE,
    "redis_stream_group_entries_read": GAUGE,
    "redis_stream_group_last_delivered_id": GAUGE,
    "redis_stream_group_consumer_messages_pending": GAUGE,
    "redis_stream_group_consumer_idle_seconds": GAUGE,
}
# NVIDIA/dcgm-exporter etc/default-counters.csv (the operator's and the chart's default metric set).
DCGM = {"DCGM_FI_DEV_GPU_UTIL": GAUGE, "DCGM_FI_DEV_FB_USED": GAUGE, "DCGM_FI_DEV_FB_FREE": GAUGE}
# kubernetes/kube-state-metrics internal/store/pod.go and internal/store/horizontalpodautoscaler.go.
KUBE_STATE = {
    "kube_pod_container_status_restarts_total": COUNTER,
    "kube_pod_container_status_waiting_reason": GAUGE,
    "kube_horizontalpodautoscaler_status_current_replicas": GAUGE,
    "kube_horizontalpodautoscaler_spec_max_replicas": GAUGE,
}
# cAdvisor through the kubelet's /metrics/cadvisor (kube-prometheus-stack's kubelet ServiceMonitor).
CADVISOR = {"container_memory_working_set_bytes": GAUGE, "container_cpu_usage_seconds_total": COUNTER}
# Istio's standard metrics, served by every sidecar's Envoy on 15090 (istio.io docs: reference/config/metrics).
ENVOY = {
    "istio_requests_total": COUNTER,
    "istio_request_duration_milliseconds_bucket": COUNTER,
    "istio_request_duration_milliseconds_sum": COUNTER,
    "istio_request_duration_milliseconds_count": COUNTER,
}
# The AI cache service's image is built by its team: these counters are the contract it serves on METRICS_PORT
# (seed 002's AnalysisTemplate names them), declared once in components/kubernetes/cache_service.py.
CACHE = {HITS: COUNTER, REQUESTS: COUNTER}
# kedacore/keda v2.17.2 pkg/metricscollector/prommetrics.go (namespace keda).
KEDA = {
    "keda_scaled_object_errors_total": COUNTER,
    "keda_scaler_detail_errors_total": COUNTER,
    "keda_scaler_active": GAUGE,
    "keda_scaler_metrics_value": GAUGE,
}
# velero-io/velero pkg/metrics/metrics.go at tag v1.18.1 (namespace `velero`, each labelled `schedule`; the newest
# 1.18 tag in the mirror read, the server runs v1.18.2): the backup outcome series.
VELERO = {
    "velero_backup_last_successful_timestamp": GAUGE,
    "velero_backup_attempt_total": COUNTER,
    "velero_backup_success_total": COUNTER,
    "velero_backup_failure_total": COUNTER,
    "velero_backup_partial_failure_total": COUNTER,
    "velero_backup_validation_failure_total": COUNTER,
}


def inventory(target: str) -> dict[str, str]:
    """What a scrape target (as tests.wiring.scrapes names it) exports."""
    if target.startswith("envoy:"):
        return ENVOY
    fixed = {
        f"deployment:{WORKER}": registry_inventory(WorkerMetrics().registry),
        f"deployment:{JOBS_API}": registry_inventory(ApiMetrics().registry),
        f"deployment:{REDIS_EXPORTER}": REDIS,
        f"deployment:{CACHE_SERVICE}": CACHE,
        "dcgm": DCGM,
        "kube-state-metrics": KUBE_STATE,
        "cadvisor": CADVISOR,
        "keda-operator": KEDA,
        "velero": VELERO,
    }
    return fixed.get(target, {})
