"""What one cluster's Prometheus scrapes: its selectors, every monitor (the program's and those charts render
from their values), and the exporters those monitors reach.

Chart-rendered monitors are modelled on the pinned charts' templates:
- kube-prometheus-stack 72.6.2 templates/prometheus/prometheus.yaml: a selector left unset becomes
  `release: <release name>` (`*SelectorNilUsesHelmValues`, on by default); namespace selectors default to all.
  Its own kubelet/cAdvisor and kube-state-metrics monitors carry that label (`kube-prometheus-stack.labels`,
  `kube-state-metrics.releaseLabel`), enabled by default.
- gpu-operator v25.3.2 controllers/object_controls.go and assets/state-dcgm-exporter/0700_service_monitor.yaml:
  labels `app: nvidia-dcgm-exporter` plus `dcgmExporter.serviceMonitor.additionalLabels`, nothing else.
- dcgm-exporter chart 4.1.1 templates/service-monitor.yaml: chart labels plus `serviceMonitor.additionalLabels`.
- keda 2.17.2 templates/manager/servicemonitor.yaml: when `prometheus.operator.enabled` and
  `.serviceMonitor.enabled`, chart labels plus `.serviceMonitor.additionalLabels`.
- velero 12.1.0 (vmware-tanzu/helm-charts charts/velero) templates/servicemonitor.yaml: when `metrics.enabled`
  and `metrics.serviceMonitor.enabled` (and, with `autodetect`, the monitoring.coreos.com/v1 API installed),
  `app.kubernetes.io/name: velero`, `app.kubernetes.io/instance: <release>` and `.additionalLabels`; it
  scrapes the `http-monitoring` port of the server (templates/deployment.yaml: containerPort 8085).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from foundation.naming import PROMETHEUS_RELEASE
from tests.wiring.cluster import Cluster

MONITOR_KINDS = ("ServiceMonitor", "PodMonitor", "PrometheusRule")
DCGM, KEDA, VELERO = frozenset({"dcgm"}), frozenset({"keda-operator"}), frozenset({"velero"})
SELECTOR_KEYS = {
    "ServiceMonitor": "serviceMonitorSelector",
    "PodMonitor": "podMonitorSelector",
    "PrometheusRule": "ruleSelector",
}


@dataclass(frozen=True)
class Monitor:
    """A monitor or rule object: its kind, labels, and the exporter it scrapes (`deployment:<name>`,
    `envoy:<deployment>`, `dcgm`, `keda-operator`, `velero`, `kube-state-metrics`, `cadvisor`; empty for
    rules)."""

    kind: str
    name: str
    labels: dict[str, str]
    targets: frozenset[str]


def _get(values: dict[str, Any], path: str, default: Any = None) -> Any:
    node: Any = values
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return default
        node = node[key]
    return node


def prometheus_selectors(cluster: Cluster) -> dict[str, dict[str, str]]:
    """matchLabels of each selector of the Prometheus the kube-prometheus-stack release runs."""
    spec = _get(cluster.values(PROMETHEUS_RELEASE), "prometheus.prometheusSpec", {})
    default = {"release": PROMETHEUS_RELEASE}
    return {kind: (spec.get(key) or {"matchLabels": default})["matchLabels"] for kind, key in SELECTOR_KEYS.items()}


def chart_monitors(cluster: Cluster) -> Iterator[Monitor]:
    """ServiceMonitors the add-on charts render from their values."""
    prometheus = cluster.values(PROMETHEUS_RELEASE)
    selected = {"release": PROMETHEUS_RELEASE}
    if _get(prometheus, "kubelet.enabled", True) and _get(prometheus, "kubelet.serviceMonitor.cAdvisor", True):
        yield Monitor("ServiceMonitor", "kubelet", selected, frozenset({"cadvisor"}))
    if _get(prometheus, "kubeStateMetrics.enabled", True):
        yield Monitor("ServiceMonitor", "kube-state-metrics", selected, frozenset({"kube-state-metrics"}))
    for release in cluster.releases.values():
        values = release.get("values") or {}
        chart = release["chart"]
        if chart == "gpu-operator" and _get(values, "dcgmExporter.serviceMonitor.enabled"):
            extra = _get(values, "dcgmExporter.serviceMonitor.additionalLabels", {})
            yield Monitor("ServiceMonitor", "nvidia-dcgm-exporter", {"app": "nvidia-dcgm-exporter", **extra}, DCGM)
        if chart == "dcgm-exporter" and _get(values, "serviceMonitor.enabled"):
            extra = _get(values, "serviceMonitor.additionalLabels", {})
            yield Monitor("ServiceMonitor", "dcgm-exporter", {"app.kubernetes.io/component": chart, **extra}, DCGM)
        operator = _get(values, "prometheus.operator", {})
        if chart == "keda" and operator.get("enabled") and _get(operator, "serviceMonitor.enabled"):
            extra = _get(operator, "serviceMonitor.additionalLabels", {})
            yield Monitor("ServiceMonitor", "keda-operator", {"app.kubernetes.io/name": "keda-operator", **extra}, KEDA)
        if (
            chart == "velero"
            and _get(values, "metrics.enabled", True)
            and _get(values, "metrics.serviceMonitor.enabled")
        ):
            extra = _get(values, "metrics.serviceMonitor.additionalLabels", {})
            labels = {"app.kubernetes.io/name": chart, "app.kubernetes.io/instance": release["name"], **extra}
            yield Monitor("ServiceMonitor", "velero", labels, VELERO)


def velero_schedules(cluster: Cluster) -> set[str]:
    """The Schedules the velero release renders: `<fullname>-<name>` for each `schedules` entry not `disabled`
    (templates/schedule.yaml), fullname being the release's name when it contains the chart's (_helpers.tpl)."""
    release = cluster.releases.get("velero")
    if release is None:
        return set()
    assert release["chart"] in release["name"], "fullname is <release>-velero otherwise"
    schedules = (release.get("values") or {}).get("schedules", {})
    return {f"{release['name']}-{name}" for name, schedule in schedules.items() if not schedule.get("disabled")}


def _deployments_behind(cluster: Cluster, namespace: str, selector: dict[str, str]) -> set[str]:
    return {
        d["metadata"]["name"]
        for d in cluster.workloads(namespace)
        if selector.items() <= d["spec"]["template"]["metadata"].get("labels", {}).items()
    }


def _container_ports(workload: dict[str, Any]) -> set[str]:
    return {p.get("name") for c in workload["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])}


def program_monitors(cluster: Cluster) -> Iterator[Monitor]:
    """The program's own ServiceMonitors, PodMonitors and rules, with what each endpoint reaches."""
    for kind in MONITOR_KINDS:
        for monitor in cluster.of_kind(kind):
            metadata, spec = monitor["metadata"], monitor["spec"]
            targets: set[str] = set()
            if kind == "ServiceMonitor":
                ports = {e["port"] for e in spec["endpoints"]}
                for service in cluster.of_kind("Service", metadata["namespace"]):
                    service_labels = service["metadata"].get("labels", {})
                    named = {p.get("name") for p in service["spec"]["ports"]}
                    if spec["selector"]["matchLabels"].items() <= service_labels.items() and ports & named:
                        found = _deployments_behind(cluster, metadata["namespace"], service["spec"]["selector"])
                        targets |= {f"deployment:{name}" for name in found}
            elif kind == "PodMonitor":
                ports = {e["port"] for e in spec["podMetricsEndpoints"]}
                namespace = cluster.named("Namespace", metadata["namespace"])["metadata"]
                injected = namespace["labels"].get("istio-injection") == "enabled"
                found = _deployments_behind(cluster, metadata["namespace"], spec["selector"]["matchLabels"])
                if "http-envoy-prom" in ports and injected:  # the injector names istio-proxy's port so
                    targets |= {f"envoy:{name}" for name in found}
                targets |= {  # a port the pods' own containers name
                    f"deployment:{name}"
                    for name in found
                    if ports & _container_ports(cluster.named_workload(metadata["namespace"], name))
                }
            yield Monitor(kind, metadata["name"], metadata.get("labels") or {}, frozenset(targets))


def scraped_targets(cluster: Cluster) -> set[str]:
    """Every exporter some monitor that Prometheus selects scrapes."""
    selectors = prometheus_selectors(cluster)
    return {
        target
        for monitor in (*program_monitors(cluster), *chart_monitors(cluster))
        if selectors[monitor.kind].items() <= monitor.labels.items()
        for target in monitor.targets
    }
