"""The Helm charts the platform installs, each pinned to an exact, dated version (defaults: `versions.CHARTS`)."""

from __future__ import annotations

from pydantic import Field, model_validator

from foundation.config.base import Model
from foundation.config.problems import raise_if_any
from foundation.config.versions import CHARTS, ISTIO_CHARTS, ChartPin

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
    kyverno: Chart = Field(
        CHARTS["kyverno"], description="Kyverno (EKS): admits only signed platform images and allow-listed ones"
    )
    argo_rollouts: Chart = Field(
        CHARTS["argo_rollouts"], description="Argo Rollouts: canary rollouts of the HTTP services (Istio weights)"
    )
    velero: Chart = Field(
        CHARTS["velero"], description="Velero: scheduled backups of each cluster's Kubernetes objects"
    )
    istio_base: Chart = Field(CHARTS["istio_base"], description="Istio CRDs and cluster roles")
    istiod: Chart = Field(CHARTS["istiod"], description="Istio control plane")
    istio_gateway: Chart = Field(CHARTS["istio_gateway"], description="Istio ingress gateway")
    istio_cni: Chart = Field(
        CHARTS["istio_cni"],
        description="Istio CNI node agent: sets up traffic capture, so workload pods need no NET_ADMIN",
    )

    @model_validator(mode="after")
    def _one_istio_version(self) -> Charts:
        """Istio's charts are released together; a control plane, CNI agent and gateway of different
        versions are unsupported."""
        istio = {name: chart for name, chart in self if isinstance(chart, Chart) and chart.repo == ISTIO_CHARTS}
        versions = {chart.version for chart in istio.values()}
        if len(versions) > 1:
            first = istio["istiod"].version
            raise_if_any(
                [
                    ((name, "version"), f"must equal istiod's version {first} (Istio's charts are released together)")
                    for name, chart in istio.items()
                    if chart.version != first
                ]
            )
        return self
