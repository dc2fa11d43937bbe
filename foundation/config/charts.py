"""The Helm charts the platform installs, each pinned to an exact, dated version (defaults: `versions.CHARTS`)."""

from __future__ import annotations

from pydantic import Field

from foundation.config.base import Model
from foundation.config.versions import CHARTS, ChartPin

Chart = ChartPin


class Charts(Model):
    """Every add-on chart the platform installs; a stack overriding one states its end of support too."""

    gpu_operator: Chart = Field(CHARTS["gpu_operator"], description="NVIDIA GPU operator (EKS: device plugin, DCGM)")
    cluster_autoscaler: Chart = Field(CHARTS["cluster_autoscaler"], description="Cluster autoscaler (EKS)")
    dcgm_exporter: Chart = Field(CHARTS["dcgm_exporter"], description="DCGM GPU metrics exporter (GKE)")
    keda: Chart = Field(CHARTS["keda"], description="KEDA event-driven autoscaler")
    kube_prometheus_stack: Chart = Field(
        CHARTS["kube_prometheus_stack"], description="Prometheus operator, Prometheus, Alertmanager and Grafana"
    )
    cert_manager: Chart = Field(CHARTS["cert_manager"], description="cert-manager (ACME certificates for the gateway)")
    istio_base: Chart = Field(CHARTS["istio_base"], description="Istio CRDs and cluster roles")
    istiod: Chart = Field(CHARTS["istiod"], description="Istio control plane")
    istio_gateway: Chart = Field(CHARTS["istio_gateway"], description="Istio ingress gateway")
