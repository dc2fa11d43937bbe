"""The Helm charts the platform installs, each pinned to an exact version."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from foundation.config.base import Model
from foundation.config.problems import raise_if_any

ChartVersion = Annotated[str, StringConstraints(pattern=r"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$")]
ISTIO_CHARTS = "https://istio-release.storage.googleapis.com/charts"


class Chart(Model):
    """A Helm chart pinned to an exact version (never a range, never latest)."""

    repo: Annotated[str, StringConstraints(pattern=r"^https://")] = Field(description="Chart repository URL")
    chart: str = Field(description="Chart name in the repository")
    version: ChartVersion = Field(description="Exact chart version")


class Charts(Model):
    """Every add-on chart the platform installs."""

    gpu_operator: Chart = Field(
        Chart(repo="https://helm.ngc.nvidia.com/nvidia", chart="gpu-operator", version="v25.3.2"),
        description="NVIDIA GPU operator (EKS: device plugin, DCGM exporter)",
    )
    cluster_autoscaler: Chart = Field(
        Chart(repo="https://kubernetes.github.io/autoscaler", chart="cluster-autoscaler", version="9.46.6"),
        description="Cluster autoscaler (EKS)",
    )
    dcgm_exporter: Chart = Field(
        Chart(repo="https://nvidia.github.io/dcgm-exporter/helm-charts", chart="dcgm-exporter", version="4.1.1"),
        description="DCGM GPU metrics exporter (GKE)",
    )
    keda: Chart = Field(
        Chart(repo="https://kedacore.github.io/charts", chart="keda", version="2.17.2"),
        description="KEDA event-driven autoscaler",
    )
    kube_prometheus_stack: Chart = Field(
        Chart(
            repo="https://prometheus-community.github.io/helm-charts", chart="kube-prometheus-stack", version="72.6.2"
        ),
        description="Prometheus operator, Prometheus, Alertmanager and Grafana",
    )
    cert_manager: Chart = Field(
        Chart(repo="https://charts.jetstack.io", chart="cert-manager", version="v1.17.2"),
        description="cert-manager (ACME certificates for the gateway)",
    )
    istio_base: Chart = Field(
        Chart(repo=ISTIO_CHARTS, chart="base", version="1.26.1"), description="Istio CRDs and cluster roles"
    )
    istiod: Chart = Field(Chart(repo=ISTIO_CHARTS, chart="istiod", version="1.26.1"), description="Istio control plane")
    istio_gateway: Chart = Field(
        Chart(repo=ISTIO_CHARTS, chart="gateway", version="1.26.1"), description="Istio ingress gateway"
    )
    istio_cni: Chart = Field(
        Chart(repo=ISTIO_CHARTS, chart="cni", version="1.26.1"),
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
