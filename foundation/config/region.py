"""One region of the platform: its network, node pools, Redis, backup and failover targets."""

from __future__ import annotations

from enum import StrEnum
from ipaddress import IPv4Network
from typing import Literal

from pydantic import Field, field_validator, model_validator

from foundation.calendar import require_timezone
from foundation.catalog import ResidencyZone, gcp_multi_region, gpu_instance_type, residency_of
from foundation.config.base import Cloud, Model
from foundation.config.pools import GpuPool, SystemPool
from foundation.config.problems import PathPart, raise_if_any
from foundation.config.storage import RedisSize
from foundation.config.versions import KUBERNETES, supported_minors
from foundation.images import require_pinned

Problems = list[tuple[tuple[PathPart, ...], str]]


class RegionRole(StrEnum):
    """The primary region hosts the global resources' registry; the others are secondaries."""

    PRIMARY = "primary"
    SECONDARY = "secondary"


class NetworkSettings(Model):
    """Network choices of one region."""

    cidr: IPv4Network = Field(description="The region's address block, /16 to /20, not overlapping other regions")
    availability_zones: tuple[str, ...] = Field(
        min_length=1, max_length=6, description="Zones of the region (at least 3) that offer the GPU types"
    )
    nat_gateways: Literal["per_az", "single"] = Field(
        "per_az", description="One NAT gateway per zone (resilient) or a single one (cheaper)"
    )

    @field_validator("cidr")
    @classmethod
    def _cidr_fits_subnets(cls, cidr: IPv4Network) -> IPv4Network:
        if not 16 <= cidr.prefixlen <= 20:
            raise ValueError(f"must be a /16 to /20 block, room for 3+ zones of subnets (got {cidr})")
        return cidr


class Region(Model):
    """A region with a Kubernetes cluster. Its backup region needs no cluster of its own."""

    id: str = Field(description="Cloud region id, e.g. us-east-1 or asia-southeast1")
    cloud: Cloud = Field(description="aws or gcp")
    role: RegionRole = Field(RegionRole.SECONDARY, description="Exactly one region is primary")
    residency: ResidencyZone = Field(description="Residency zone (us, eu, apac); must match the region")
    kubernetes_version: str = Field(
        description="Kubernetes minor of the cluster, one the supported-versions table knows (e.g. 1.36)"
    )
    network: NetworkSettings = Field(description="Network layout")
    system_pool: SystemPool = Field(description="The CPU node pool for add-ons and services")
    gpu_pools: tuple[GpuPool, ...] = Field(min_length=1, description="GPU node pools (at least one)")
    redis: RedisSize = Field(description="The job queue's Redis")
    backup_region: str = Field(description="Where photo backups go: another region of the same residency zone")
    failover_to: tuple[str, ...] = Field((), description="Regions of the same zone that take over its traffic")
    latency_region: str | None = Field(
        None, description="GCP regions: the nearest AWS region of the zone, for Route53 latency records"
    )
    timezone: str | None = Field(
        None, description="Local IANA time zone of its weddings (Saturday pre-scaling); default: the freeze's"
    )
    worker_image: str | None = Field(
        None, description="The worker image in this region's own registry; default: worker.image"
    )

    @field_validator("worker_image")
    @classmethod
    def _image_pinned(cls, image: str | None) -> str | None:
        return require_pinned(image) if image is not None else None

    @field_validator("kubernetes_version")
    @classmethod
    def _version_is_supported(cls, minor: str) -> str:
        if minor not in KUBERNETES:
            raise ValueError(
                f"must be a Kubernetes minor in the supported-versions table ({', '.join(supported_minors())}); "
                f"got {minor!r}"
            )
        return minor

    @field_validator("timezone")
    @classmethod
    def _timezone_exists(cls, name: str | None) -> str | None:
        return require_timezone(name) if name is not None else None

    @model_validator(mode="after")
    def _region_is_consistent(self) -> Region:
        problems: Problems = []
        known_zone = residency_of(self.cloud, self.id)
        if known_zone is None:
            problems.append((("id",), f"is not a {self.cloud.value} region this platform knows (got {self.id!r})"))
        elif known_zone != self.residency:
            problems.append(
                (("residency",), f"{self.id} lies in residency zone {known_zone!r} (got {self.residency!r})")
            )
        problems += self._zone_problems()
        problems += self._gpu_pool_problems()
        problems += self._backup_problems() or self._dual_region_problems()
        problems += self._redis_problems()
        problems += self._latency_region_problems()
        if self.id in self.failover_to:
            problems.append((("failover_to",), f"must not name the region itself ({self.id})"))
        raise_if_any(problems)
        return self

    def _zone_problems(self) -> Problems:
        problems: Problems = []
        separator = "" if self.cloud is Cloud.AWS else "-"
        for index, zone in enumerate(self.network.availability_zones):
            if not (zone.startswith(self.id + separator) and len(zone) == len(self.id) + len(separator) + 1):
                problems.append(
                    (("network", "availability_zones", index), f"is not a zone of {self.id} (got {zone!r})")
                )
        if len(set(self.network.availability_zones)) < 3:
            problems.append(
                (
                    ("network", "availability_zones"),
                    f"must list at least 3 distinct zones that offer the GPU type "
                    f"(got {len(set(self.network.availability_zones))})",
                )
            )
        return problems

    def _gpu_pool_problems(self) -> Problems:
        problems: Problems = []
        names: set[str] = set()
        for index, pool in enumerate(self.gpu_pools):
            if pool.name in names:
                problems.append((("gpu_pools", index, "name"), f"duplicates another pool's name ({pool.name})"))
            names.add(pool.name)
            known = gpu_instance_type(self.cloud, pool.instance_type)
            if known is None:
                problems.append(
                    (
                        ("gpu_pools", index, "instance_type"),
                        f"is not a known {self.cloud.value} GPU type (got {pool.instance_type!r})",
                    )
                )
                continue
            if known.gpu_model != pool.gpu_model:
                problems.append(
                    (
                        ("gpu_pools", index, "gpu_model"),
                        f"{pool.instance_type} carries {known.gpu_model} (got {pool.gpu_model!r})",
                    )
                )
            if known.gpus != pool.gpus_per_node:
                problems.append(
                    (
                        ("gpu_pools", index, "gpus_per_node"),
                        f"{pool.instance_type} has {known.gpus} GPU(s) per node (got {pool.gpus_per_node})",
                    )
                )
        return problems

    def _backup_problems(self) -> Problems:
        if self.backup_region == self.id:
            return [(("backup_region",), f"must differ from the region itself ({self.id})")]
        backup_zone = residency_of(self.cloud, self.backup_region)
        if backup_zone is None:
            return [
                (
                    ("backup_region",),
                    f"is not a {self.cloud.value} region this platform knows (got {self.backup_region!r})",
                )
            ]
        if backup_zone != self.residency:
            return [
                (
                    ("backup_region",),
                    f"must lie in residency zone {self.residency!r} like {self.id}: photos never leave their "
                    f"zone (got {self.backup_region}, zone {backup_zone!r})",
                )
            ]
        return []

    def _dual_region_problems(self) -> Problems:
        if self.cloud is Cloud.GCP and gcp_multi_region(self.id) != gcp_multi_region(self.backup_region):
            return [
                (
                    ("backup_region",),
                    f"must form a GCS dual-region with {self.id} (same multi-region; got {self.backup_region!r})",
                )
            ]
        return []

    def _redis_problems(self) -> Problems:
        if self.cloud is Cloud.AWS and self.redis.node_type is None:
            return [(("redis", "node_type"), "is required in an AWS region (e.g. cache.r7g.large)")]
        if self.cloud is Cloud.GCP and self.redis.memory_gb is None:
            return [(("redis", "memory_gb"), "is required in a GCP region (Memorystore size in GB)")]
        return []

    def _latency_region_problems(self) -> Problems:
        if self.cloud is Cloud.AWS:
            if self.latency_region not in (None, self.id):
                return [
                    (
                        ("latency_region",),
                        f"an AWS region is its own latency region (got {self.latency_region!r})",
                    )
                ]
            return []
        if self.latency_region is None:
            return [
                (
                    ("latency_region",),
                    "is required in a GCP region: the nearest AWS region, for Route53 latency records",
                )
            ]
        zone = residency_of("aws", self.latency_region)
        if zone != self.residency:
            return [
                (
                    ("latency_region",),
                    f"must be an AWS region in residency zone {self.residency!r} (got {self.latency_region!r})",
                )
            ]
        return []

    @property
    def route53_region(self) -> str:
        """The AWS region name Route53 latency records use for this region."""
        return self.latency_region or self.id

    @property
    def is_primary(self) -> bool:
        return self.role is RegionRole.PRIMARY
