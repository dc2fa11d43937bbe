"""The Kubernetes layer's config: the photography-ai namespace, the model services, the jobs API, the
worker's resources and the Saturday pre-scaling. Defaults come from seed 000."""

from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from foundation.config.base import Model, NonNegativeInt, PositiveInt, Slug, TimeOfDay
from foundation.config.charts import Charts
from foundation.config.problems import raise_if_any
from foundation.config.rollouts import Rollouts
from foundation.images import require_pinned

Quantity = Annotated[str, StringConstraints(pattern=r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?$")]
Duration = Annotated[str, StringConstraints(pattern=r"^[0-9]+(ms|s|m)$")]
PinnedImage = Annotated[str, Field(description="Container image, pinned by tag or digest")]


class Resources(Model):
    """Container requests and limits."""

    cpu_request: Quantity = Field(description="CPU request, e.g. 250m or 4")
    memory_request: Quantity = Field(description="Memory request, e.g. 256Mi or 16Gi")
    cpu_limit: Quantity = Field(description="CPU limit")
    memory_limit: Quantity = Field(description="Memory limit")


class Quota(Model):
    """The namespace's ResourceQuota: what the workloads do not decide. CPU, memory and GPUs are the sum of
    what every workload may run at once (autoscaler maxima and rollout surge, sidecars included)."""

    persistent_volume_claims: NonNegativeInt = Field(50, description="PersistentVolumeClaims allowed")
    load_balancers: NonNegativeInt = Field(5, description="LoadBalancer Services allowed")


class Retries(Model):
    """Retries the mesh makes for a route."""

    attempts: PositiveInt = Field(description="Attempts, the first included")
    per_try_timeout: Duration = Field(description="Timeout of each attempt, e.g. 40s")


class Autoscale(Model):
    """HPA bounds and targets (seed 000: 3..20 replicas, 70% CPU, 80% memory)."""

    min_replicas: PositiveInt = Field(3, description="Fewest replicas")
    max_replicas: PositiveInt = Field(20, description="Most replicas")
    cpu_utilization: Annotated[int, Field(ge=10, le=100)] = Field(70, description="Target CPU utilisation, %")
    memory_utilization: Annotated[int, Field(ge=10, le=100)] = Field(80, description="Target memory utilisation, %")

    @model_validator(mode="after")
    def _ordered(self) -> Autoscale:
        if self.max_replicas < self.min_replicas:
            raise_if_any(
                [(("max_replicas",), f"must be >= min_replicas (got {self.max_replicas} < {self.min_replicas})")]
            )
        return self


class ModelService(Model):
    """A model service another team builds and this platform serves with Triton on the GPU pools: `image`
    holds the team's Triton model repository under /models, copied into the pod before Triton starts."""

    name: Slug = Field(description="Service name (Deployment, Service and route)")
    image: PinnedImage
    port: Annotated[int, Field(ge=1024, le=65535)] = Field(
        8000, description="Port Triton serves HTTP on (not the metrics port, 8080)"
    )
    gpus: PositiveInt = Field(1, description="GPUs each pod requests (reserved out of the region's GPU pools)")
    route_prefix: Annotated[str, StringConstraints(pattern=r"^/api/v1/[a-z0-9-]+$")] = Field(
        description="Path prefix the gateway routes to the service"
    )
    timeout: Duration = Field(description="Request timeout at the gateway")
    retries: Retries | None = Field(None, description="Retries at the gateway (none by default)")
    autoscale: Autoscale = Field(
        Autoscale(min_replicas=1, max_replicas=1),
        description="HPA bounds and targets (each pod holds `gpus` GPUs of the region's pools)",
    )
    resources: Resources = Field(
        Resources(cpu_request="2", memory_request="4Gi", cpu_limit="4", memory_limit="8Gi"),
        description="Container requests and limits",
    )

    @field_validator("image")
    @classmethod
    def _pinned(cls, image: str) -> str:
        return require_pinned(image)


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
    on each region's own clock (`regions[].timezone`), on the freeze's weekday."""

    start: TimeOfDay = Field(time(9, 0), description="Local time pre-scaling starts, HH:MM")
    end: TimeOfDay = Field(time(21, 0), description="Local time pre-scaling ends, HH:MM")
    replicas: PositiveInt = Field(8, description="Worker pods kept during the window (capped by the season's max)")


class KubernetesLayer(Model):
    """Everything the platform runs inside each cluster."""

    namespace: Slug = Field("photography-ai", description="Namespace of the worker, the jobs API and model services")
    charts: Charts = Field(Charts(), description="Pinned add-on charts")
    quota: Quota = Field(Quota(), description="The namespace's ResourceQuota")
    model_services: tuple[ModelService, ...] = Field(
        default_factory=_seed_model_services, description="Model services routed under /api/v1/"
    )
    jobs_api_autoscale: Autoscale = Field(
        Autoscale(min_replicas=2, max_replicas=10), description="HPA bounds of the jobs API"
    )
    rollouts: Rollouts = Field(Rollouts(), description="Canary rollouts of the jobs API (Argo Rollouts)")
    worker_resources: Resources = Field(
        Resources(cpu_request="4", memory_request="16Gi", cpu_limit="8", memory_limit="32Gi"),
        description="Requests and limits of each GPU worker container (plus one GPU)",
    )
    saturday_prescale: SaturdayPrescale = Field(SaturdayPrescale(), description="Saturday pre-scaling of the worker")
    # Newest Triton release on 2026-11-29: 26.10 (monthly releases; docs.nvidia.com/deeplearning/
    # triton-inference-server/release-notes/rel-26-10.html: CUDA 13.4, compute capability 7.5 and later, which
    # the pools' L4 GPUs (8.9) meet). Re-pin monthly; prod pins it by digest with `python -m infra pin-images`.
    triton_image: PinnedImage = Field(
        "nvcr.io/nvidia/tritonserver:26.10-py3", description="NVIDIA Triton Inference Server image (model services)"
    )
    redis_exporter_image: PinnedImage = Field(
        "oliver006/redis_exporter:v1.74.0", description="redis_exporter image (queue memory and lag for the alerts)"
    )
    acme_email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$")] = Field(
        "platform@wedsync.example", description="Contact e-mail of the ACME account"
    )
    runbooks_url: Annotated[str, StringConstraints(pattern=r"^https://")] = Field(
        "https://git.wedsync.example/platform/wedsync-platform/blob/main/docs/runbooks",
        description="Where docs/runbooks/ of this repository is published: each alert links <this>/<alert-name>.md",
    )
    acme_server: Annotated[str, StringConstraints(pattern=r"^https://")] = Field(
        "https://acme-v02.api.letsencrypt.org/directory", description="ACME directory URL"
    )

    @field_validator("redis_exporter_image", "triton_image")
    @classmethod
    def _exporter_pinned(cls, image: str) -> str:
        return require_pinned(image)
