"""The node-pool plan: one cloud-neutral value per pool, computed once from the config.

The EKS node groups, the GKE node pools, the cost table, the capacity checks and the policies'
settings all read these values, so a pool's size, capacity type and GPUs are decided in one place.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from foundation.capacity import Capacity
from foundation.catalog import Cloud
from foundation.config import (
    GpuPool,
    NodePoolSize,
    PlatformConfig,
    QueueWorkload,
    Region,
    Season,
    SeasonProfile,
    SystemPool,
)
from foundation.scheduling import (
    GPU_MODEL_LABEL,
    GPU_NODE_LABELS,
    GPU_POOL_LABEL,
    GPU_TAINT,
    SYSTEM_NODE_LABELS,
    Taint,
    queue_node_labels,
)


class PoolRole(StrEnum):
    """What a pool is for: cluster add-ons and CPU services, or GPU work."""

    SYSTEM = "system"
    GPU = "gpu"
    QUEUE = "queue"  # a queue workload's own CPU pool (foundation/config/queue_workers.py)


@dataclass(frozen=True)
class PoolBounds:
    """Node counts a pool is deployed with."""

    min_size: int
    desired_size: int
    max_size: int


def seasonal_bounds(pool: NodePoolSize, profile: SeasonProfile) -> PoolBounds:
    """The pool's configured (peak) bounds, with the maximum cut to the season's fraction.

    The maximum never drops below the minimum, and the desired size is kept inside the new bounds.
    """
    max_size = max(pool.min_size, 1, math.ceil(pool.max_size * profile.gpu_max_fraction))
    desired_size = min(max(pool.desired_size, pool.min_size), max_size)
    return PoolBounds(pool.min_size, desired_size, max_size)


@dataclass(frozen=True)
class NodePoolPlan:
    """One node pool of a region, as every cloud and every check sees it."""

    name: str  # the configured pool name, or `system`
    role: PoolRole
    instance_type: str
    capacity: Capacity
    gpu_model: str | None
    gpus_per_node: int
    zones: tuple[str, ...]
    disk_gb: int
    labels: Mapping[str, str]
    taints: tuple[Taint, ...]
    season: Season  # the season deployed now
    bounds_by_season: Mapping[Season, PoolBounds]
    pods_per_node: int = 0  # queue pools: worker pods one node holds

    def max_pods(self, season: Season | None = None) -> int:
        """Worker pods a queue pool holds at its maximum in a season (default: the one deployed now)."""
        return self.bounds_by_season[season or self.season].max_size * self.pods_per_node

    @property
    def resource_name(self) -> str:
        """`system`, `gpu-<name>` or `queue-<workload>`: the suffix of the node group / pool and of its component."""
        return self.name if self.role is PoolRole.SYSTEM else f"{self.role.value}-{self.name}"

    @property
    def bounds(self) -> PoolBounds:
        """The bounds deployed now."""
        return self.bounds_by_season[self.season]

    def max_gpus(self, season: Season | None = None) -> int:
        """GPUs the pool holds at its maximum in a season (default: the one deployed now)."""
        return self.bounds_by_season[season or self.season].max_size * self.gpus_per_node


def _system_plan(pool: SystemPool, zones: tuple[str, ...], season: Season) -> NodePoolPlan:
    bounds = PoolBounds(pool.min_size, pool.desired_size, pool.max_size)
    return NodePoolPlan(
        name=PoolRole.SYSTEM.value,
        role=PoolRole.SYSTEM,
        instance_type=pool.instance_type,
        capacity=Capacity.ON_DEMAND,
        gpu_model=None,
        gpus_per_node=0,
        zones=zones,
        disk_gb=pool.disk_gb,
        labels=dict(SYSTEM_NODE_LABELS),
        taints=(),
        season=season,
        bounds_by_season={s: bounds for s in Season},
    )


def _gpu_plan(pool: GpuPool, zones: tuple[str, ...], platform: PlatformConfig) -> NodePoolPlan:
    return NodePoolPlan(
        name=pool.name,
        role=PoolRole.GPU,
        instance_type=pool.instance_type,
        capacity=pool.capacity,
        gpu_model=pool.gpu_model,
        gpus_per_node=pool.gpus_per_node,
        zones=zones,
        disk_gb=pool.disk_gb,
        labels={**GPU_NODE_LABELS, GPU_POOL_LABEL: pool.name, GPU_MODEL_LABEL: pool.gpu_model, **pool.labels},
        taints=(GPU_TAINT, *(t for t in pool.taints if t.key != GPU_TAINT.key)),
        season=platform.season,
        bounds_by_season={s: seasonal_bounds(pool, platform.seasons.profile(s)) for s in Season},
    )


def plan_node_pools(platform: PlatformConfig, region: Region) -> tuple[NodePoolPlan, ...]:
    """The region's system pool, then its GPU pools in config order."""
    zones = region.network.availability_zones
    return (
        _system_plan(region.system_pool, zones, platform.season),
        *(_gpu_plan(pool, zones, platform) for pool in region.gpu_pools),
        *(
            _queue_plan(workload, region, zones, platform.season)
            for workload in platform.queue_workers
            if workload.enabled
        ),
    )


def queue_pool(pools: tuple[NodePoolPlan, ...], workload: str) -> NodePoolPlan:
    """A queue workload's own pool among a region's."""
    (pool,) = [p for p in pools if p.role is PoolRole.QUEUE and p.name == workload]
    return pool


def _queue_plan(workload: QueueWorkload, region: Region, zones: tuple[str, ...], season: Season) -> NodePoolPlan:
    pool = workload.node_pool

    def nodes(pods: int) -> int:
        return math.ceil(pods / pool.pods_per_node)

    def bounds(s: Season) -> PoolBounds:
        replicas = workload.bounds(s)
        return PoolBounds(
            nodes(replicas.min_replicas), nodes(replicas.min_replicas), max(1, nodes(replicas.max_replicas))
        )

    return NodePoolPlan(
        name=workload.name,
        role=PoolRole.QUEUE,
        instance_type=pool.aws_instance_type if region.cloud is Cloud.AWS else pool.gcp_machine_type,
        capacity=Capacity.ON_DEMAND,
        gpu_model=None,
        gpus_per_node=0,
        zones=zones,
        disk_gb=pool.disk_gb,
        labels=queue_node_labels(workload.name),
        taints=(),
        season=season,
        bounds_by_season={s: bounds(s) for s in Season},
        pods_per_node=pool.pods_per_node,
    )


def gpu_capacity(pools: tuple[NodePoolPlan, ...], season: Season | None = None) -> int:
    """GPUs a region's pools hold at their maxima in a season (default: the one deployed now)."""
    return sum(pool.max_gpus(season) for pool in pools if pool.role is PoolRole.GPU)
