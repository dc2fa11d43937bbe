"""The Kubernetes layer's config: pinned charts, the photography-ai namespace, the model services,
the jobs API, the worker's resources and the Saturday pre-scaling. Defaults come from seed 000."""

from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from infra.config.models import Model, NonNegativeInt, PositiveInt, Slug, require_pinned_image
from infra.config.problems import raise_if_any

Quantity = Annotated[str, StringConstraints(pattern=r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?$")]
Duration = Annotated[str, StringConstraints(pattern=r"^[0-9]+(ms|s|m)$")]
ChartVersion = Annotated[str, StringConstraints(pattern=r"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$")]


class Chart(Model):
    """A Helm chart pinned to an exact version (never a range, never latest)."""

    repo: Annotated[str, StringConstraints(pattern=r"^https://")]
    chart: str
    version: ChartVersion


class Charts(Model):
    """Every add-on chart the platform installs."""

    gpu_operator: Chart = Chart(repo="https://helm.ngc.nvidia.com/nvidia", chart="gpu-operator", version="v25.3.2")
    cluster_autoscaler: Chart = Chart(
        repo="https://kubernetes.github.io/autoscaler", chart="cluster-autoscaler", version="9.46.6"
    )
    dcgm_exporter: Chart = Chart(
        repo="https://nvidia.github.io/dcgm-exporter/helm-charts", chart="dcgm-exporter", version="4.1.1"
    )
    keda: Chart = Chart(repo="https://kedacore.github.io/charts", chart="keda", version="2.17.2")
    kube_prometheus_stack: Chart = Chart(
        repo="https://prometheus-community.github.io/helm-charts", chart="kube-prometheus-stack", version="72.6.2"
    )
    cert_manager: Chart = Chart(repo="https://charts.jetstack.io", chart="cert-manager", version="v1.17.2")
    istio_base: Chart = Chart(
        repo="https://istio-release.storage.googleapis.com/charts", chart="base", version="1.26.1"
    )
    istiod: Chart = Chart(repo="https://istio-release.storage.googleapis.com/charts", chart="istiod", version="1.26.1")
    istio_gateway: Chart = Chart(
        repo="https://istio-release.storage.googleapis.com/charts", chart="gateway", version="1.26.1"
    )


class Resources(Model):
    """Container requests and limits."""

    cpu_request: Quantity
    memory_request: Quantity
    cpu_limit: Quantity
    memory_limit: Quantity


class Quota(Model):
    """The namespace's ResourceQuota (seed 000)."""

    requests_cpu: Quantity = "100"
    requests_memory: Quantity = "200Gi"
    requests_gpu: PositiveInt = 20
    limits_cpu: Quantity = "200"
    limits_memory: Quantity = "400Gi"
    limits_gpu: PositiveInt = 40
    persistent_volume_claims: NonNegativeInt = 50
    load_balancers: NonNegativeInt = 5


class Retries(Model):
    attempts: PositiveInt
    per_try_timeout: Duration


class Autoscale(Model):
    """HPA bounds and targets (seed 000: 3..20 replicas, 70% CPU, 80% memory)."""

    min_replicas: PositiveInt = 3
    max_replicas: PositiveInt = 20
    cpu_utilization: Annotated[int, Field(ge=10, le=100)] = 70
    memory_utilization: Annotated[int, Field(ge=10, le=100)] = 80

    @model_validator(mode="after")
    def _ordered(self) -> Autoscale:
        if self.max_replicas < self.min_replicas:
            raise_if_any(
                [(("max_replicas",), f"must be >= min_replicas (got {self.max_replicas} < {self.min_replicas})")]
            )
        return self


class ModelService(Model):
    """A model service another team builds and this platform runs."""

    name: Slug
    image: str
    port: Annotated[int, Field(ge=1024, le=65535)] = 8080
    route_prefix: Annotated[str, StringConstraints(pattern=r"^/api/v1/[a-z0-9-]+$")]
    timeout: Duration
    retries: Retries | None = None
    autoscale: Autoscale = Autoscale()
    resources: Resources = Resources(cpu_request="2", memory_request="4Gi", cpu_limit="4", memory_limit="8Gi")

    @field_validator("image")
    @classmethod
    def _pinned(cls, image: str) -> str:
        return require_pinned_image(image)


def _seed_model_services() -> tuple[ModelService, ...]:
    registry = "registry.example/wedsync"
    return (
        ModelService(
            name="venue-analysis",
            image=f"{registry}/venue-analysis:1.2.0",
            route_prefix="/api/v1/venue-analysis",
            timeout="120s",
            retries=Retries(attempts=3, per_try_timeout="40s"),
        ),
        ModelService(
            name="shot-list",
            image=f"{registry}/shot-list-generation:1.1.0",
            route_prefix="/api/v1/shot-list",
            timeout="60s",
        ),
        ModelService(
            name="timing-optimization",
            image=f"{registry}/timing-optimization:1.0.3",
            route_prefix="/api/v1/timing-optimization",
            timeout="30s",
        ),
    )


class SaturdayPrescale(Model):
    """KEDA cron pre-scaling of the worker for Saturday wedding hours (seed 003: 10:00-20:00, from 09:00),
    on each region's own clock (`regions[].timezone`)."""

    start: time = time(9, 0)
    end: time = time(21, 0)
    replicas: PositiveInt = 8


class KubernetesLayer(Model):
    """Everything the platform runs inside each cluster."""

    @field_validator("redis_exporter_image")
    @classmethod
    def _exporter_pinned(cls, image: str) -> str:
        return require_pinned_image(image)

    namespace: Slug = "photography-ai"
    charts: Charts = Charts()
    quota: Quota = Quota()
    model_services: tuple[ModelService, ...] = Field(default_factory=_seed_model_services)
    jobs_api_autoscale: Autoscale = Autoscale(min_replicas=2, max_replicas=10)
    worker_resources: Resources = Resources(cpu_request="4", memory_request="16Gi", cpu_limit="8", memory_limit="32Gi")
    saturday_prescale: SaturdayPrescale = SaturdayPrescale()
    redis_exporter_image: str = "oliver006/redis_exporter:v1.74.0"  # Redis memory and lag for the alerts
    acme_email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$")] = "platform@wedsync.example"
    acme_server: Annotated[str, StringConstraints(pattern=r"^https://")] = (
        "https://acme-v02.api.letsencrypt.org/directory"
    )
