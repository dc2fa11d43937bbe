"""Cluster add-ons as `helm.v3.Release`s (real resources: chart, version and values are in the plan).

EKS: the NVIDIA GPU operator without driver and toolkit (the AL2023 NVIDIA AMI ships them) and the
cluster autoscaler (IRSA, auto-discovery, GPU pools scale from zero, image matching the cluster's minor).
GKE: no device plugin of ours (GKE manages drivers and the plugin) but the DCGM exporter, which reads
the NVIDIA libraries where GKE installs them. Everywhere: KEDA, kube-prometheus-stack, cert-manager,
Istio (base, CNI node agent, istiod, ingress gateway; see istio.py), Argo Rollouts (canaries, rollout.py).

A chart that renders Prometheus-operator objects (its ServiceMonitors) is installed after
kube-prometheus-stack, whose CRDs they need; otherwise Helm fails on "no matches for kind".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.istio import cni_values, global_proxy_values, pilot_sidecar_values
from foundation.config import KUBERNETES, Chart, Charts, Cloud
from foundation.crds import (
    ARGO_ROLLOUTS_RELEASE,
    ISTIO_BASE_RELEASE,
    KEDA_RELEASE,
    VELERO_RELEASE,
    renders_monitoring_resources,
)
from foundation.naming import (
    CERT_MANAGER_NAMESPACE,
    EGRESS_NAMESPACE,
    EGRESS_RELEASE,
    GATEWAY_NAMESPACE,
    GATEWAY_RELEASE,
    IRSA_ANNOTATION,
    ISTIO_NAMESPACE,
    MONITORING_NAMESPACE,
    PROMETHEUS_RELEASE,
    PROMETHEUS_SELECTOR,
    VELERO_NAMESPACE,
)
from foundation.scheduling import GPU_NODE_LABELS, GPU_TAINT, SYSTEM_NODE_LABELS

# GKE installs the NVIDIA driver and libraries on the host at /home/kubernetes/bin/nvidia; containers read
# them at /usr/local/nvidia (GKE "Collect DCGM metrics" / Managed Prometheus DCGM exporter docs).
GKE_NVIDIA_HOST_DIR = "/home/kubernetes/bin/nvidia"
GKE_NVIDIA_MOUNT = "/usr/local/nvidia"
# The dcgm-exporter chart's own counters mount (values.yaml default), kept when adding ours.
DCGM_COUNTERS_MOUNT = {
    "name": "exporter-metrics-volume",
    "mountPath": "/etc/dcgm-exporter/default-counters.csv",
    "subPath": "default-counters.csv",
}


@dataclass(frozen=True)
class ClusterAddOnsArgs:
    """Which cloud, the cluster, pinned charts and the identities add-ons run as."""

    cloud: str
    cluster_name: str
    region: str
    kubernetes_version: str
    charts: Charts
    autoscaler_role_arn: pulumi.Input[str] | None
    gateway_annotations: Mapping[str, pulumi.Input[str]]
    alertmanager: dict[str, Any] | None = None  # kube-prometheus-stack's `alertmanager` values (routing)
    egress_gateway: bool = False  # install the Istio egress gateway (a workload calls external APIs)
    velero: dict[str, Any] | None = None  # the velero chart's values (velero.py); none: no Velero


class ClusterAddOns(pulumi.ComponentResource):
    """Every add-on release; `gateway` is the Istio ingress gateway release."""

    gateway: k8s.helm.v3.Release
    monitoring: k8s.helm.v3.Release
    namespaces: tuple[str, ...]  # where the releases live (and keep their state Secrets)

    def __init__(self, name: str, args: ClusterAddOnsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:k8s:ClusterAddOns", name, None, opts)
        self._namespaces: set[str] = set()
        charts = args.charts
        release = self._release
        gpu_tolerations = [GPU_TAINT.toleration_values()]
        self.monitoring = release(
            name,
            PROMETHEUS_RELEASE,
            charts.kube_prometheus_stack,
            MONITORING_NAMESPACE,
            {
                "grafana": {
                    "sidecar": {"dashboards": {"enabled": True, "label": "grafana_dashboard", "searchNamespace": "ALL"}}
                },
                "prometheus": {
                    "prometheusSpec": {
                        "retention": "15d",
                        "ruleSelector": {"matchLabels": PROMETHEUS_SELECTOR},
                        "serviceMonitorSelector": {"matchLabels": PROMETHEUS_SELECTOR},
                        "podMonitorSelector": {"matchLabels": PROMETHEUS_SELECTOR},
                    }
                },
                **({"alertmanager": args.alertmanager} if args.alertmanager else {}),
            },
        )

        if args.cloud == "aws":
            release(
                name,
                "gpu-operator",
                charts.gpu_operator,
                "gpu-operator",
                {
                    "driver": {"enabled": False},  # the AL2023 NVIDIA AMI ships the driver
                    "toolkit": {"enabled": False},  # ... and the container toolkit
                    "dcgmExporter": {  # the operator copies only additionalLabels onto its ServiceMonitor
                        "enabled": True,
                        "serviceMonitor": {"enabled": True, "additionalLabels": PROMETHEUS_SELECTOR},
                    },
                    "daemonsets": {"tolerations": gpu_tolerations},
                    "node-feature-discovery": {"worker": {"tolerations": gpu_tolerations}},
                },
            )
            release(
                name,
                "cluster-autoscaler",
                charts.cluster_autoscaler,
                "kube-system",
                {
                    "cloudProvider": "aws",
                    "awsRegion": args.region,
                    "autoDiscovery": {"clusterName": args.cluster_name},  # finds the managed node groups' ASGs
                    # The autoscaler's minor must match the cluster's (the chart's default image may lag).
                    "image": {"tag": KUBERNETES[args.kubernetes_version].cluster_autoscaler_image.version},
                    "rbac": {
                        "serviceAccount": {
                            "name": "cluster-autoscaler",
                            "annotations": {IRSA_ANNOTATION: args.autoscaler_role_arn},
                        }
                    },
                    "extraArgs": {
                        "balance-similar-node-groups": True,
                        "expander": "least-waste",
                        "skip-nodes-with-system-pods": False,
                        "scale-down-unneeded-time": "10m",
                    },
                    "nodeSelector": SYSTEM_NODE_LABELS,
                },
            )
        else:
            release(
                name,
                "dcgm-exporter",
                charts.dcgm_exporter,
                "gpu-monitoring",
                {
                    "serviceMonitor": {"enabled": True, "additionalLabels": PROMETHEUS_SELECTOR},
                    "tolerations": gpu_tolerations,
                    "nodeSelector": GPU_NODE_LABELS,
                    "extraHostVolumes": [{"name": "nvidia-install-dir-host", "hostPath": GKE_NVIDIA_HOST_DIR}],
                    "extraVolumeMounts": [
                        DCGM_COUNTERS_MOUNT,
                        {"name": "nvidia-install-dir-host", "mountPath": GKE_NVIDIA_MOUNT, "readOnly": True},
                    ],
                    "extraEnv": [{"name": "LD_LIBRARY_PATH", "value": f"{GKE_NVIDIA_MOUNT}/lib64"}],
                },
            )
        selected_monitor = {"enabled": True, "additionalLabels": PROMETHEUS_SELECTOR}
        release(
            name,
            KEDA_RELEASE,
            charts.keda,
            "keda",
            {"prometheus": {"operator": {"enabled": True, "serviceMonitor": selected_monitor}}},
        )
        release(
            name,
            "cert-manager",
            charts.cert_manager,
            CERT_MANAGER_NAMESPACE,
            {
                "crds": {"enabled": True},
                "serviceAccount": {"name": "cert-manager"},
                "extraArgs": ["--issuer-ambient-credentials"],
            },
        )
        release(  # argo-helm charts/argo-rollouts values.yaml: installCRDs (default true), controller.metrics
            name,
            ARGO_ROLLOUTS_RELEASE,
            charts.argo_rollouts,
            ARGO_ROLLOUTS_RELEASE,
            {
                "installCRDs": True,
                "controller": {
                    "nodeSelector": SYSTEM_NODE_LABELS,
                    "metrics": {"enabled": True, "serviceMonitor": selected_monitor},
                },
            },
        )
        if args.velero is not None:  # cluster backups (components/kubernetes/velero.py)
            release(name, VELERO_RELEASE, charts.velero, VELERO_NAMESPACE, args.velero)
        base = release(name, ISTIO_BASE_RELEASE, charts.istio_base, ISTIO_NAMESPACE, {"defaultRevision": "default"})
        cni = release(name, "istio-cni", charts.istio_cni, ISTIO_NAMESPACE, cni_values(Cloud(args.cloud)), [base])
        istiod = release(
            name,
            "istiod",
            charts.istiod,
            ISTIO_NAMESPACE,
            {
                "meshConfig": {"accessLogFile": "/dev/stdout", "enablePrometheusMerge": True},
                "pilot": {"autoscaleMin": 2, **pilot_sidecar_values()},
                "global": global_proxy_values(),
            },
            depends_on=[base, cni],
        )
        self.gateway = release(
            name,
            GATEWAY_RELEASE,
            charts.istio_gateway,
            GATEWAY_NAMESPACE,
            {
                "service": {"type": "LoadBalancer", "annotations": args.gateway_annotations},
                "autoscaling": {"minReplicas": 2},
            },
            depends_on=[istiod],
        )
        if args.egress_gateway:  # calls to external APIs leave through it (components/kubernetes/egress.py)
            release(
                name,
                EGRESS_RELEASE,
                charts.istio_gateway,
                EGRESS_NAMESPACE,
                {"service": {"type": "ClusterIP"}, "autoscaling": {"minReplicas": 2}},
                depends_on=[istiod],
            )
        self.namespaces = tuple(sorted(self._namespaces))
        self.register_outputs({"gateway": self.gateway.name, "monitoring": self.monitoring.name})

    def _release(
        self,
        name: str,
        release: str,
        chart: Chart,
        namespace: str,
        values: dict[str, Any],
        depends_on: list[pulumi.Resource] | None = None,
    ) -> k8s.helm.v3.Release:
        """A release; one rendering ServiceMonitors or rules is installed after kube-prometheus-stack."""
        after = list(depends_on or [])
        if renders_monitoring_resources(values):
            after.append(self.monitoring)
        self._namespaces.add(namespace)
        return chart_release(
            f"{name}-{release}",
            release,
            chart,
            namespace,
            values,
            pulumi.ResourceOptions(parent=self, depends_on=after),
        )


def chart_release(
    resource_name: str, release: str, chart: Chart, namespace: str, values: dict[str, Any], opts: pulumi.ResourceOptions
) -> k8s.helm.v3.Release:
    """A pinned chart's release in its own namespace, rolled back if it does not come up (atomic)."""
    return k8s.helm.v3.Release(
        resource_name,
        name=release,
        chart=chart.chart,
        version=chart.version,
        repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=chart.repo),
        namespace=namespace,
        create_namespace=True,
        atomic=True,
        timeout=900,
        values=values,
        opts=opts,
    )
