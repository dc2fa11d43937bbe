"""The AI cache tier (seed 002): a Redis-compatible cluster per region, in cluster mode, evicting what is
least used; the cache service in front of it; cross-region replicas kept inside a residency zone."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Literal, Protocol, TypeVar

from pydantic import Field, field_validator

from foundation.catalog import ResidencyZone
from foundation.config.base import Cloud, Model, PositiveInt, Slug
from foundation.config.kubernetes import Autoscale, PinnedImage, Resources
from foundation.config.problems import PathPart
from foundation.images import require_pinned

GcpNodeType = Literal["REDIS_SHARED_CORE_NANO", "REDIS_STANDARD_SMALL", "REDIS_HIGHMEM_MEDIUM", "REDIS_HIGHMEM_XLARGE"]
Problems = list[tuple[tuple[PathPart, ...], str]]


class EvictionPolicy(StrEnum):
    """What a full cache drops: the least recently (LRU) or least frequently (LFU) used keys, among all keys or
    only those with a TTL. Never `noeviction`: that is the job queue's policy, where dropping a key loses a job."""

    ALLKEYS_LRU = "allkeys-lru"
    VOLATILE_LRU = "volatile-lru"
    ALLKEYS_LFU = "allkeys-lfu"
    VOLATILE_LFU = "volatile-lfu"


class CacheReplication(Model):
    """One replicated cache: the region that takes writes and the regions holding read replicas (ElastiCache
    Global Datastore, Memorystore cross-region replicas). All of them lie in one residency zone and cloud."""

    primary: str = Field(description="Region whose cache takes writes")
    secondaries: tuple[str, ...] = Field(
        min_length=1, description="Regions of the same cloud and residency zone that hold read replicas"
    )


class CacheServiceConfig(Model):
    """The cache service Deployment: an HTTP API other teams call; scaled on CPU, its hit rate alerted on."""

    image: PinnedImage = Field(description="The cache service image, pinned by digest for a deploy")
    autoscale: Autoscale = Field(
        Autoscale(min_replicas=3, max_replicas=50, cpu_utilization=70, memory_utilization=80),
        description="HPA bounds and targets (seed 002 off-season: up to 50 pods at 70% CPU)",
    )
    resources: Resources = Field(
        Resources(cpu_request="500m", memory_request="1Gi", cpu_limit="2", memory_limit="4Gi"),
        description="Requests and limits of one pod (seed 002)",
    )
    client_namespaces: tuple[Slug, ...] = Field(
        (), description="Namespaces whose pods may call the cache service, besides its own"
    )
    min_hit_rate: Annotated[float, Field(gt=0, lt=1)] = Field(
        0.85, description="Alert when the hit rate stays below this (seed 002); not a scaling signal"
    )

    @field_validator("image")
    @classmethod
    def _image_pinned(cls, image: str) -> str:
        return require_pinned(image)


class CacheConfig(Model):
    """Size of each region's cache cluster, its eviction policy, its replication and its service."""

    aws_node_type: Annotated[str, Field(pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")] = Field(
        "cache.r7g.large", description="ElastiCache node type of every shard member (AWS regions)"
    )
    gcp_node_type: GcpNodeType = Field(
        "REDIS_HIGHMEM_MEDIUM", description="Memorystore for Redis Cluster node type (GCP regions)"
    )
    shards: Annotated[int, Field(ge=1, le=250)] = Field(3, description="Shards (node groups) of each cluster")
    replicas_per_shard: Annotated[int, Field(ge=1, le=5)] = Field(
        1, description="Replicas of each shard (at least one: a failed primary fails over, the cache stays up)"
    )
    eviction_policy: EvictionPolicy = Field(EvictionPolicy.ALLKEYS_LRU, description="maxmemory-policy of the cache")
    snapshot_retention_days: PositiveInt = Field(1, description="Daily snapshots kept (AWS)")
    replication: tuple[CacheReplication, ...] = Field(
        (), description="Cross-region replicas, each group inside one residency zone and cloud"
    )
    service: CacheServiceConfig = Field(description="The cache service in every cluster")

    def primary_of(self, region: str) -> str | None:
        """The region whose cache `region` replicates, or None when it takes its own writes."""
        return next((g.primary for g in self.replication if region in g.secondaries), None)

    def is_replication_primary(self, region: str) -> bool:
        return any(g.primary == region for g in self.replication)


class _RegionFacts(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def cloud(self) -> Cloud: ...
    @property
    def residency(self) -> ResidencyZone: ...


R = TypeVar("R", bound=_RegionFacts)


# Memorystore for Redis Cluster: 0, 1 or 2 replicas per shard (cloud.google.com/memorystore/docs/cluster/
# memorystore-for-redis-cluster-overview, "Primary and replica nodes"); ElastiCache allows up to 5.
GCP_MAX_REPLICAS_PER_SHARD = 2


def cache_problems(cache: CacheConfig, regions: Sequence[_RegionFacts]) -> Problems:
    """Each replication group's regions are configured, distinct, of one cloud and of one residency zone (EU
    data stays in the EU); a region belongs to at most one group; the size fits every cloud it runs on. Paths
    start at `cache`."""
    by_id = {r.id: r for r in regions}
    problems: Problems = []
    if cache.replicas_per_shard > GCP_MAX_REPLICAS_PER_SHARD and any(r.cloud is Cloud.GCP for r in regions):
        problems.append(
            (
                ("cache", "replicas_per_shard"),
                f"must be at most {GCP_MAX_REPLICAS_PER_SHARD} when a region runs on gcp: Memorystore for Redis "
                f"Cluster keeps up to {GCP_MAX_REPLICAS_PER_SHARD} replicas per shard (got {cache.replicas_per_shard})",
            )
        )
    member_of: dict[str, int] = {}
    for index, group in enumerate(cache.replication):
        path: tuple[PathPart, ...] = ("cache", "replication", index)
        primary = by_id.get(group.primary)
        if primary is None:
            problems.append(((*path, "primary"), f"is not a configured region (got {group.primary!r})"))
        for j, secondary_id in enumerate(group.secondaries):
            at = (*path, "secondaries", j)
            secondary = by_id.get(secondary_id)
            if secondary is None:
                problems.append((at, f"is not a configured region (got {secondary_id!r})"))
            elif secondary_id == group.primary:
                problems.append((at, f"must differ from the primary ({group.primary})"))
            elif primary is not None and secondary.residency != primary.residency:
                problems.append(
                    (
                        at,
                        f"must lie in residency zone {primary.residency!r} like {primary.id}: cached data never "
                        f"leaves its zone (got {secondary_id}, zone {secondary.residency!r})",
                    )
                )
            elif primary is not None and secondary.cloud != primary.cloud:
                problems.append(
                    (at, f"must run on {primary.cloud.value} like {primary.id}: replicas stay within one cloud")
                )
        for j, region in enumerate((group.primary, *group.secondaries)):
            if region in member_of and member_of[region] != index:
                where = "primary" if j == 0 else "secondaries"
                problems.append(((*path, where), f"{region} already replicates in replication[{member_of[region]}]"))
            member_of.setdefault(region, index)
    return problems


def cache_build_order(cache: CacheConfig | None, regions: Sequence[R]) -> list[R]:
    """Regions in config order, except that a replica region comes after the region it replicates."""
    if cache is None:
        return list(regions)
    placed: list[R] = []
    waiting = list(regions)
    while waiting:
        ready = next(r for r in waiting if cache.primary_of(r.id) in (None, *(p.id for p in placed)))
        waiting.remove(ready)
        placed.append(ready)
    return placed
