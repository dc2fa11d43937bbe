"""Queue workloads beyond the GPU photo worker: CPU workers that read a Redis stream, scale with KEDA on its
lag, and call external AI APIs only through the mesh's egress gateway (seed 001: the PDF-analysis workers)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from foundation.catalog import ResidencyZone
from foundation.config.base import Model, NonNegativeInt, PositiveInt, Slug
from foundation.config.kubernetes import Resources
from foundation.config.problems import PathPart, raise_if_any
from foundation.config.queue_observability import MetricsEndpoint, QueueAlerting
from foundation.config.seasons import Season
from foundation.images import is_pinned_by_digest

Hostname = Annotated[
    str, StringConstraints(max_length=253, pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
]
Problems = list[tuple[tuple[PathPart, ...], str]]


class ReplicaBounds(Model):
    """KEDA's fewest and most pods in one season."""

    min_replicas: NonNegativeInt = Field(description="Fewest pods KEDA keeps")
    max_replicas: PositiveInt = Field(description="Most pods KEDA may run")

    @model_validator(mode="after")
    def _ordered(self) -> ReplicaBounds:
        if self.max_replicas < self.min_replicas:
            raise_if_any(
                [(("max_replicas",), f"must be >= min_replicas (got {self.max_replicas} < {self.min_replicas})")]
            )
        return self


class SeasonalBounds(Model):
    """Pod bounds per season (seed 001: peak 15-100, shoulder 8-50, off-season 3-20; the platform's
    `moderate` season is the seed's shoulder)."""

    peak: ReplicaBounds = Field(ReplicaBounds(min_replicas=15, max_replicas=100), description="Peak-season bounds")
    moderate: ReplicaBounds = Field(
        ReplicaBounds(min_replicas=8, max_replicas=50), description="Shoulder-season bounds"
    )
    off_season: ReplicaBounds = Field(ReplicaBounds(min_replicas=3, max_replicas=20), description="Off-season bounds")

    def of(self, season: Season) -> ReplicaBounds:
        """The bounds of one season."""
        bounds: ReplicaBounds = getattr(self, season.value)
        return bounds


class WorkerPool(Model):
    """The workload's own CPU node pool (untainted, no GPUs), sized from its pod bounds: each season's maximum
    nodes hold that season's most pods."""

    aws_instance_type: str = Field("m6i.2xlarge", description="EKS instance type (8 vCPU, 32 GiB)")
    gcp_machine_type: str = Field("e2-standard-8", description="GKE machine type (8 vCPU, 32 GB)")
    pods_per_node: Annotated[int, Field(ge=1, le=110)] = Field(
        6,
        description="Worker pods one node holds: 6 x (1 CPU + the 0.1 CPU Istio proxy) plus the node's daemons fit "
        "8 vCPU",
    )
    disk_gb: Annotated[int, Field(ge=20, le=2000)] = Field(50, description="Root volume size per node (GB)")


class EgressEndpoint(Model):
    """An external HTTPS API the workers may call, and the residency zone it keeps data in."""

    host: Hostname = Field(description="Host name, e.g. eu.api.openai.com")
    residency: ResidencyZone | None = Field(
        None, description="Residency zone the provider processes data in (None: global, not allowed for eu regions)"
    )
    regions: tuple[str, ...] = Field(
        (), description="Region ids that call this host (empty: every region of the platform)"
    )


class QueueWorkload(Model):
    """One queue-driven CPU worker workload, deployed in every region when enabled."""

    name: Slug = Field(description="Workload name, used in resource names and labels (e.g. pdf-analysis)")
    enabled: bool = Field(True, description="Deploy this workload in this stack")
    namespace: Slug = Field(description="Kubernetes namespace of its own (e.g. wedsync-pdf-analysis)")
    image: str = Field(description="Worker image, pinned by digest (repository@sha256:...)")
    stream: str = Field(description="Redis stream its jobs are queued on (its own queue key)")
    group: str = Field(description="Consumer group of its workers")
    bucket_prefix: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*/$")] = Field(
        description="Prefix of its objects in the region's bucket, ending in /"
    )
    batch_size: Annotated[int, Field(ge=1, le=64)] = Field(1, description="Jobs a worker holds pending at once")
    queue_target: PositiveInt = Field(10, description="Queued jobs per pod that KEDA scales towards (seed 001: 10)")
    seasons: SeasonalBounds = Field(SeasonalBounds(), description="Pod bounds per season")
    prescale_replicas: NonNegativeInt = Field(
        0, description="Pods held during the Saturday pre-scale window (kubernetes.saturday_prescale); 0: none"
    )
    resources: Resources = Field(
        Resources(cpu_request="1", memory_request="2Gi", cpu_limit="4", memory_limit="8Gi"),
        description="Container requests and limits (seed 001: 1 CPU / 2Gi, up to 4 CPU / 8Gi)",
    )
    node_pool: WorkerPool = Field(WorkerPool(), description="Its own CPU node pool in every region")
    egress: tuple[EgressEndpoint, ...] = Field(
        (), description="External APIs the workers may call through the egress gateway (the allow-list)"
    )
    metrics: MetricsEndpoint = Field(MetricsEndpoint(), description="Where its image serves Prometheus metrics")
    alerts: QueueAlerting = Field(QueueAlerting(), description="Thresholds of its backlog, stall and capacity alerts")

    @field_validator("image")
    @classmethod
    def _pinned_by_digest(cls, image: str) -> str:
        if not is_pinned_by_digest(image):
            raise ValueError(f"must be pinned by digest, repository@sha256:<64 hex> (got {image!r})")
        return image

    def bounds(self, season: Season) -> ReplicaBounds:
        return self.seasons.of(season)

    def endpoints_for(self, region_id: str) -> tuple[EgressEndpoint, ...]:
        """The allow-list of one region."""
        return tuple(e for e in self.egress if not e.regions or region_id in e.regions)


def residency_problems(workloads: tuple[QueueWorkload, ...], regions: dict[str, ResidencyZone]) -> Problems:
    """EU regions call EU endpoints only; every named region exists."""
    problems: Problems = []
    for index, workload in enumerate(workloads):
        for e_index, endpoint in enumerate(workload.egress):
            path: tuple[PathPart, ...] = ("queue_workers", index, "egress", e_index)
            unknown = [r for r in endpoint.regions if r not in regions]
            if unknown:
                problems.append(((*path, "regions"), f"names regions that are not configured: {unknown}"))
            callers = endpoint.regions or tuple(regions)
            eu_callers = [r for r in callers if regions.get(r) == "eu"]
            if eu_callers and endpoint.residency != "eu":
                problems.append(
                    (
                        (*path, "residency"),
                        f"EU regions {eu_callers} call EU endpoints only: {endpoint.host} keeps data in "
                        f"{endpoint.residency or 'no stated zone'}; set residency: eu for an EU endpoint or limit "
                        "`regions` to non-EU regions",
                    )
                )
    names = [w.name for w in workloads]
    for index, workload in enumerate(workloads):
        if names.index(workload.name) != index:
            problems.append((("queue_workers", index, "name"), f"duplicates another workload ({workload.name})"))
    return problems
