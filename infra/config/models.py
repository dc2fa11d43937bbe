"""The leaf sections of the platform config: node pools, regions' parts, storage, worker, budget.

Every model is frozen and forbids unknown keys. Defaults come from the seed documents.
"""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from infra.config.problems import raise_if_any

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")]
LabelValue = Annotated[str, StringConstraints(max_length=63, pattern=r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]?$")]
NonNegativeInt = Annotated[int, Field(ge=0)]
PositiveInt = Annotated[int, Field(ge=1)]
Days = Annotated[int, Field(ge=1, le=36500)]


class Model(BaseModel):
    """Base of every config model: immutable, and unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Cloud(StrEnum):
    AWS = "aws"
    GCP = "gcp"


class RegionRole(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"


class Tier(StrEnum):
    NONPROD = "nonprod"
    PROD = "prod"


class Capacity(StrEnum):
    ON_DEMAND = "on_demand"
    SPOT = "spot"


class Season(StrEnum):
    PEAK = "peak"
    MODERATE = "moderate"
    OFF_SEASON = "off_season"


class TaintEffect(StrEnum):
    """Kubernetes spelling; the clouds' spellings are derived in components.scheduling."""

    NO_SCHEDULE = "NoSchedule"
    PREFER_NO_SCHEDULE = "PreferNoSchedule"
    NO_EXECUTE = "NoExecute"


class Taint(Model):
    """A node taint (`key=value:effect`)."""

    key: Annotated[str, StringConstraints(min_length=1, max_length=253)]
    value: LabelValue = ""
    effect: TaintEffect = TaintEffect.NO_SCHEDULE


class NodePoolSize(Model):
    """Bounds of an autoscaled node pool: min <= desired <= max."""

    min_size: NonNegativeInt
    desired_size: NonNegativeInt
    max_size: PositiveInt

    @model_validator(mode="after")
    def _bounds_are_ordered(self) -> NodePoolSize:
        problems = []
        if self.max_size < self.min_size:
            problems.append((("max_size",), f"must be >= min_size (got {self.max_size} < {self.min_size})"))
        elif not self.min_size <= self.desired_size <= self.max_size:
            problems.append(
                (
                    ("desired_size",),
                    f"must lie between min_size and max_size "
                    f"(got {self.desired_size}, bounds {self.min_size}..{self.max_size})",
                )
            )
        raise_if_any(problems)
        return self


class SystemPool(NodePoolSize):
    """The CPU pool for cluster add-ons and the jobs API."""

    instance_type: str
    disk_gb: Annotated[int, Field(ge=20, le=2000)] = 100


class GpuPool(NodePoolSize):
    """A GPU node pool; always carries the shared GPU taint, plus any `taints` listed here."""

    name: Slug
    instance_type: str
    gpu_model: str
    gpus_per_node: PositiveInt
    capacity: Capacity = Capacity.ON_DEMAND
    labels: dict[str, LabelValue] = Field(default_factory=dict)
    taints: tuple[Taint, ...] = ()
    disk_gb: Annotated[int, Field(ge=50, le=4000)] = 200


class EksAddonVersions(Model):
    """Pinned versions of the EKS core add-ons (`aws eks describe-addon-versions` lists valid ones)."""

    vpc_cni: Annotated[str, StringConstraints(pattern=r"^v\d+\.\d+\.\d+-eksbuild\.\d+$")]
    coredns: Annotated[str, StringConstraints(pattern=r"^v\d+\.\d+\.\d+-eksbuild\.\d+$")]
    kube_proxy: Annotated[str, StringConstraints(pattern=r"^v\d+\.\d+\.\d+-eksbuild\.\d+$")]
    ebs_csi_driver: Annotated[str, StringConstraints(pattern=r"^v\d+\.\d+\.\d+-eksbuild\.\d+$")]


class AwsAccount(Model):
    """The AWS account every AWS region deploys into."""

    account_id: Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
    assume_role_arn: Annotated[str, StringConstraints(pattern=r"^arn:aws:iam::\d{12}:role/.+$")] | None = None
    eks_addons: EksAddonVersions


class GcpProject(Model):
    """The GCP project every GCP region deploys into."""

    project: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")]


class RedisSize(Model):
    """Size of a region's Redis: `node_type` x `nodes` on ElastiCache, `memory_gb` on Memorystore."""

    node_type: Annotated[str, StringConstraints(pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")] | None = None
    nodes: Annotated[int, Field(ge=2, le=6)] = 2
    memory_gb: Annotated[int, Field(ge=1, le=300)] | None = None
    snapshot_retention_days: Annotated[int, Field(ge=0, le=35)] = 7


class StorageTiers(Model):
    """Lifecycle of photo buckets and the retention of their backups."""

    infrequent_access_after_days: Days = 30
    archive_after_days: Days = 180
    noncurrent_versions_expire_after_days: Days = 90
    abort_incomplete_uploads_after_days: Days = 7
    backup_lock_days: Days = 30
    backup_noncurrent_versions_expire_after_days: Days = 365

    @model_validator(mode="after")
    def _tiers_are_ordered(self) -> StorageTiers:
        problems = []
        if self.archive_after_days <= self.infrequent_access_after_days:
            problems.append(
                (
                    ("archive_after_days",),
                    f"must be > infrequent_access_after_days "
                    f"(got {self.archive_after_days} <= {self.infrequent_access_after_days})",
                )
            )
        if self.backup_noncurrent_versions_expire_after_days <= self.noncurrent_versions_expire_after_days:
            problems.append(
                (
                    ("backup_noncurrent_versions_expire_after_days",),
                    "must be > noncurrent_versions_expire_after_days: backups keep versions longer "
                    f"(got {self.backup_noncurrent_versions_expire_after_days} <= "
                    f"{self.noncurrent_versions_expire_after_days})",
                )
            )
        raise_if_any(problems)
        return self


class DnsConfig(Model):
    """The public zone and the API names under it."""

    domain: Annotated[str, StringConstraints(pattern=r"^([a-z0-9-]+\.)+[a-z]{2,}$")]
    create_zone: bool = False
    api_label: Slug = "api"


_IMAGE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._/-]*(:[0-9A-Za-z_][0-9A-Za-z_.-]{0,127})?(@sha256:[0-9a-f]{64})?$")


def require_pinned_image(image: str) -> str:
    """An image reference pinned by tag or digest, never the floating `latest` (ValueError otherwise)."""
    if not _IMAGE_PATTERN.match(image) or (":" not in image.rsplit("/", 1)[-1] and "@" not in image):
        raise ValueError(f"must be an image pinned by tag or digest, e.g. repo/worker:1.4.2 (got {image!r})")
    if image.rsplit("/", 1)[-1].split("@")[0].endswith(":latest"):
        raise ValueError(f"must not use the floating tag 'latest' (got {image!r})")
    return image


def require_timezone(name: str) -> str:
    """An IANA time zone name (ValueError otherwise)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"must be an IANA time zone such as Europe/London (got {name!r})") from None
    return name


class WorkerConfig(Model):
    """The GPU worker: its image and its queue."""

    image: str
    stream: str = "photos:jobs"
    group: str = "gpu-workers"
    batch_size: Annotated[int, Field(ge=1, le=64)] = 8
    max_deliveries: Annotated[int, Field(ge=1, le=50)] = 5
    termination_grace_seconds: Annotated[int, Field(ge=30, le=3600)] = 900

    @field_validator("image")
    @classmethod
    def _image_is_pinned(cls, image: str) -> str:
        return require_pinned_image(image)


class SeasonProfile(Model):
    """Capacity for one season (seed 004: peak 4x, moderate 2x, off-season 1x)."""

    months: tuple[Annotated[int, Field(ge=1, le=12)], ...]
    worker_min_replicas: NonNegativeInt
    worker_max_replicas: PositiveInt
    gpu_max_fraction: Annotated[float, Field(gt=0, le=1)]
    queue_lag_target: PositiveInt

    @model_validator(mode="after")
    def _replicas_are_ordered(self) -> SeasonProfile:
        if self.worker_max_replicas < self.worker_min_replicas:
            raise_if_any(
                [
                    (
                        ("worker_max_replicas",),
                        f"must be >= worker_min_replicas (got {self.worker_max_replicas} < {self.worker_min_replicas})",
                    )
                ]
            )
        return self


class SeasonCalendar(Model):
    """What each season allows; `season` in the platform config picks one."""

    peak: SeasonProfile = SeasonProfile(
        months=(5, 6, 7, 8, 9),
        worker_min_replicas=4,
        worker_max_replicas=32,
        gpu_max_fraction=1.0,
        queue_lag_target=200,
    )
    moderate: SeasonProfile = SeasonProfile(
        months=(3, 4, 10),
        worker_min_replicas=2,
        worker_max_replicas=16,
        gpu_max_fraction=0.5,
        queue_lag_target=500,
    )
    off_season: SeasonProfile = SeasonProfile(
        months=(11, 12, 1, 2),
        worker_min_replicas=0,
        worker_max_replicas=8,
        gpu_max_fraction=0.25,
        queue_lag_target=1000,
    )

    @model_validator(mode="after")
    def _every_month_has_one_season(self) -> SeasonCalendar:
        problems = []
        seen: dict[int, Season] = {}
        for season in Season:
            for month in self.profile(season).months:
                if month in seen:
                    problems.append(((season.value, "months"), f"month {month} is already in {seen[month].value}"))
                seen[month] = season
        uncovered = sorted(set(range(1, 13)) - set(seen))
        if uncovered:
            problems.append(((), f"every month needs a season (uncovered: {uncovered})"))
        raise_if_any(problems)
        return self

    def profile(self, season: Season) -> SeasonProfile:
        """The profile of one season."""
        return getattr(self, season.value)


class BudgetConfig(Model):
    """Spending caps checked by the policy pack."""

    gpu_hourly_usd: Annotated[float, Field(gt=0)] = 500.0
    monthly_usd: Annotated[float, Field(gt=0)] | None = None


class FreezeWindow(Model):
    """The weekly change freeze (seed 003: no deploys Saturday 10:00-20:00)."""

    weekday: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] = "saturday"
    start: time = time(10, 0)
    end: time = time(20, 0)
    timezone: str = "America/New_York"

    @field_validator("timezone")
    @classmethod
    def _timezone_exists(cls, name: str) -> str:
        return require_timezone(name)

    @model_validator(mode="after")
    def _window_is_not_empty(self) -> FreezeWindow:
        if self.end <= self.start:
            raise_if_any([(("end",), f"must be after start (got {self.end} <= {self.start})")])
        return self
