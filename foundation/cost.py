"""Cost estimate per region at min, desired and max capacity, from the node-pool plan and the price table.

Pure arithmetic: node pools (by instance type and capacity type, GPU pools cut to the season),
NAT gateways, the ingress load balancer, Redis, the AI cache cluster, the cluster fee; storage is priced
per TB-month.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from foundation.capacity import Capacity
from foundation.config import CacheConfig, Cloud, PlatformConfig, Region, Season
from foundation.footprints import WORKER_GPUS, model_min_gpus, reserved_gpus, worker_replica_bounds
from foundation.node_pools import NodePoolPlan, PoolRole, gpu_capacity, plan_node_pools
from foundation.prices import (
    CDN_EGRESS_GB,
    CLUSTER_HOURLY,
    HOURS_PER_MONTH,
    LOAD_BALANCER_HOURLY,
    MEMORYSTORE_GB_HOURLY,
    NAT_GATEWAY_HOURLY,
    STORAGE_TB_MONTH,
    cache_node_hourly,
    instance_hourly,
    redis_hourly,
)


class CostKind(StrEnum):
    """What a cost line pays for."""

    CONTROL_PLANE = "control_plane"
    SYSTEM_POOL = "system_pool"
    GPU_POOL = "gpu_pool"
    QUEUE_POOL = "queue_pool"
    NAT = "nat"
    LOAD_BALANCER = "load_balancer"
    REDIS = "redis"
    CACHE = "cache"  # the AI cache cluster (foundation/config/cache.py)
    CDN_EGRESS = "cdn_egress"


_POOL_KIND = {
    PoolRole.SYSTEM: CostKind.SYSTEM_POOL,
    PoolRole.GPU: CostKind.GPU_POOL,
    PoolRole.QUEUE: CostKind.QUEUE_POOL,
}
_POOL_LABEL = {PoolRole.SYSTEM: "system pool", PoolRole.GPU: "GPU pool", PoolRole.QUEUE: "queue pool"}


@dataclass(frozen=True)
class CostLine:
    """One item's hourly cost at minimum, desired and maximum capacity."""

    kind: CostKind
    item: str
    at_min: float
    at_desired: float
    at_max: float
    pool: str = ""  # a node pool's line: the pool's name (NodePoolPlan.name)
    estimated: bool = False  # priced from a figure not read on the provider's page (foundation/prices.py)


@dataclass(frozen=True)
class RegionCost:
    """Every cost line of a region, and its storage price per TB-month."""

    region: str
    lines: tuple[CostLine, ...]
    storage_tb_month: float

    def total(self, level: str) -> float:
        return sum(getattr(line, level) for line in self.lines)


def _pool_line(pool: NodePoolPlan, season: Season) -> CostLine:
    hourly = instance_hourly(pool.instance_type, pool.capacity).usd
    bounds = pool.bounds_by_season[season]
    label = _POOL_LABEL[pool.role] + ("" if pool.role is PoolRole.SYSTEM else f" {pool.name}")
    return CostLine(
        _POOL_KIND[pool.role],
        f"{label} ({pool.instance_type}, {pool.capacity.value})",
        hourly * bounds.min_size,
        hourly * bounds.desired_size,
        hourly * bounds.max_size,
        pool.name,
    )


def pool_nodes(pool: NodePoolPlan, season: Season, level: str) -> int:
    """A pool's node count at a level (`at_min`, `at_desired`, `at_max`) of a season."""
    bounds = pool.bounds_by_season[season]
    return {"at_min": bounds.min_size, "at_desired": bounds.desired_size, "at_max": bounds.max_size}[level]


def always_running_gpus(platform: PlatformConfig, pools: tuple[NodePoolPlan, ...], season: Season) -> int:
    """GPUs the pods that never scale to zero hold: KEDA's fewest photo workers and the model services' HPA
    minima (the same bounds the program deploys: foundation/footprints.py)."""
    services = platform.kubernetes.model_services
    worker_min, _ = worker_replica_bounds(
        platform.seasons.profile(season), gpu_capacity(pools, season) - reserved_gpus(services)
    )
    return worker_min * WORKER_GPUS + model_min_gpus(services)


def _gpu_pools(pools: tuple[NodePoolPlan, ...]) -> list[NodePoolPlan]:
    return [p for p in pools if p.role is PoolRole.GPU]


def _pool_gpus(pools: tuple[NodePoolPlan, ...], season: Season, level: str) -> int:
    """GPUs the GPU pools' own nodes hold at a level."""
    return sum(pool_nodes(p, season, level) * p.gpus_per_node for p in _gpu_pools(pools))


def autoscaled_gpu_nodes(platform: PlatformConfig, pools: tuple[NodePoolPlan, ...], season: Season, level: str) -> int:
    """GPU nodes the cluster autoscaler adds beyond the pools' size at a level so that the always-running GPU pods
    fit (counted in nodes of the first on-demand GPU pool); none at the maxima, which already hold them."""
    if level == "at_max" or not _gpu_pools(pools):
        return 0
    missing = always_running_gpus(platform, pools, season) - _pool_gpus(pools, season, level)
    return math.ceil(missing / _autoscaled_pool(pools).gpus_per_node) if missing > 0 else 0


def gpus_at(platform: PlatformConfig, pools: tuple[NodePoolPlan, ...], season: Season, level: str) -> int:
    """GPUs a region runs at a level: its GPU pools' nodes and the nodes the autoscaler adds to them."""
    added = autoscaled_gpu_nodes(platform, pools, season, level)
    return _pool_gpus(pools, season, level) + (added * _autoscaled_pool(pools).gpus_per_node if added else 0)


def _autoscaled_pool(pools: tuple[NodePoolPlan, ...]) -> NodePoolPlan:
    gpu_pools = _gpu_pools(pools)
    return next((p for p in gpu_pools if p.capacity is Capacity.ON_DEMAND), gpu_pools[0])


def _autoscaled_line(platform: PlatformConfig, pools: tuple[NodePoolPlan, ...], season: Season) -> CostLine | None:
    """The GPU nodes the autoscaler adds at min and desired size, priced as the first on-demand GPU pool's nodes
    (the least-waste expander may pick a spot pool of the same machine: then this is an upper bound)."""
    at_min, at_desired = (autoscaled_gpu_nodes(platform, pools, season, level) for level in ("at_min", "at_desired"))
    if not (at_min or at_desired):
        return None
    pool = _autoscaled_pool(pools)
    hourly = instance_hourly(pool.instance_type, pool.capacity).usd
    item = f"GPU nodes added for always-running GPU pods ({pool.instance_type}, {pool.capacity.value})"
    return CostLine(CostKind.GPU_POOL, item, hourly * at_min, hourly * at_desired, 0.0, pool.name)


def _fixed(kind: CostKind, item: str, hourly: float) -> CostLine:
    return CostLine(kind, item, hourly, hourly, hourly)


def region_cost(platform: PlatformConfig, region: Region, season: Season) -> RegionCost:
    """The region's hourly cost lines under a season's profile."""
    cloud = region.cloud.value
    pools = plan_node_pools(platform, region)
    autoscaled = _autoscaled_line(platform, pools, season)
    lines = [
        _fixed(CostKind.CONTROL_PLANE, "cluster control plane", CLUSTER_HOURLY[cloud].usd),
        *(_pool_line(pool, season) for pool in pools),
        *([autoscaled] if autoscaled else []),
    ]
    nat_count = (
        len(region.network.availability_zones) if cloud == "aws" and region.network.nat_gateways == "per_az" else 1
    )
    lines.append(_fixed(CostKind.NAT, f"NAT gateways ({nat_count})", NAT_GATEWAY_HOURLY[cloud].usd * nat_count))
    lines.append(_fixed(CostKind.LOAD_BALANCER, "ingress load balancer", LOAD_BALANCER_HOURLY[cloud].usd))
    if region.cloud is Cloud.AWS and region.redis.node_type:
        redis = redis_hourly(region.redis.node_type).usd * region.redis.nodes
        lines.append(_fixed(CostKind.REDIS, f"Redis ({region.redis.nodes} x {region.redis.node_type})", redis))
    elif region.redis.memory_gb:
        lines.append(
            _fixed(
                CostKind.REDIS,
                f"Redis (Memorystore HA, {region.redis.memory_gb} GB)",
                MEMORYSTORE_GB_HOURLY.usd * region.redis.memory_gb,
            )
        )
    if platform.cache is not None:
        lines.append(_cache_line(platform.cache, region))
    if platform.delivery:
        gb = platform.delivery.monthly_delivery_gb
        monthly = CDN_EGRESS_GB[cloud].usd * gb
        lines.append(_fixed(CostKind.CDN_EGRESS, f"CDN egress ({gb:,} GB/month)", monthly / HOURS_PER_MONTH))
    return RegionCost(region.id, tuple(lines), STORAGE_TB_MONTH[cloud].usd)


def _cache_line(cache: CacheConfig, region: Region) -> CostLine:
    """The region's AI cache cluster: every primary and replica of every shard is a billed node."""
    nodes = cache.shards * (1 + cache.replicas_per_shard)
    aws = region.cloud is Cloud.AWS
    node_type = cache.aws_node_type if aws else cache.gcp_node_type
    engine = "ElastiCache for Valkey" if aws else "Memorystore for Redis Cluster"
    price = cache_node_hourly(region.cloud.value, node_type)
    hourly = price.usd * nodes
    item = f"AI cache ({engine}, {nodes} x {node_type})"
    return CostLine(CostKind.CACHE, item, hourly, hourly, hourly, estimated=not price.read_on_page)


def platform_cost(platform: PlatformConfig, season: Season | None = None) -> list[RegionCost]:
    """Every region's cost under a season (default: the configured one)."""
    return [region_cost(platform, region, season or platform.season) for region in platform.regions]


def gpu_max_hourly(platform: PlatformConfig, season: Season) -> float:
    """Worst-case hourly GPU spend: every GPU pool at its seasonal maximum."""
    return sum(
        line.at_max for cost in platform_cost(platform, season) for line in cost.lines if line.kind is CostKind.GPU_POOL
    )
