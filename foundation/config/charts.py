"""The Helm charts the platform installs, each pinned to an exact version."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from foundation.config.base import Model

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
