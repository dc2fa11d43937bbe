"""Each region's hourly cost split by the workload it pays for, from the same cost lines as the cost table
(foundation/cost.py), so the shares add up to the region's total at every level.

- model services: their GPUs' share of the GPU pools' price (the pools' average price per GPU at that level): at
  the maximum the GPUs they reserve (foundation/footprints.py reserved_gpus, the HPA maxima), at the minimum and
  the desired size the GPUs of their HPA minima, never more than the pools hold at that level;
- photo worker: the rest of the GPU pools (what the reservation leaves is its KEDA cap);
- each queue worker: its own queue pool;
- AI cache tier: the cache cluster, plus the cache service's share of the system pool, by the service container's
  CPU or memory requests (whichever is the larger share) at the HPA minimum (min, desired) or maximum (max);
- shared platform: the control plane, NAT, load balancer, job-queue Redis, CDN egress and the rest of the system
  pool (add-ons, the jobs API, the exporter, the reconciler and headroom).
"""

from __future__ import annotations

from dataclasses import dataclass

from foundation.config import CacheServiceConfig, ModelService, PlatformConfig, Region, Season
from foundation.cost import CostKind, CostLine, gpus_at, pool_nodes, region_cost
from foundation.footprints import model_min_gpus, reserved_gpus
from foundation.machines import machine_shape
from foundation.node_pools import NodePoolPlan, PoolRole, plan_node_pools
from foundation.quantities import cpu_millis, memory_bytes

LEVELS = ("at_min", "at_desired", "at_max")
PHOTO_WORKER, MODEL_SERVICES, AI_CACHE, SHARED = "photo worker", "model services", "AI cache tier", "shared platform"


@dataclass(frozen=True)
class WorkloadCost:
    """One workload's hourly cost in a region at minimum, desired and maximum capacity."""

    workload: str
    at_min: float
    at_desired: float
    at_max: float

    def at(self, level: str) -> float:
        return float(getattr(self, level))


def model_gpus(services: tuple[ModelService, ...], level: str) -> int:
    """GPUs the model services hold at a level: their reservation at the maximum, their HPA minima below it."""
    return reserved_gpus(services) if level == "at_max" else model_min_gpus(services)


def model_share(platform: PlatformConfig, pools: tuple[NodePoolPlan, ...], season: Season, level: str) -> float:
    """The model services' fraction of the region's GPUs at a level (foundation/cost.py gpus_at: the pools' nodes
    and those the autoscaler adds for the always-running GPU pods)."""
    gpus = gpus_at(platform, pools, season, level)
    return min(model_gpus(platform.kubernetes.model_services, level), gpus) / gpus if gpus else 0.0


def cache_service_share(system: NodePoolPlan, service: CacheServiceConfig, level: str) -> float:
    """The cache service's fraction of the system pool at a level: its pods' CPU or memory requests, whichever is
    the larger part of the pool's machines (foundation/machines.py)."""
    pods = service.autoscale.max_replicas if level == "at_max" else service.autoscale.min_replicas
    nodes = pool_nodes(system, system.season, level)
    if not nodes:
        return 0.0
    shape = machine_shape(system.instance_type)
    cpu = pods * cpu_millis(service.resources.cpu_request) / (nodes * shape.cpu_millis)
    memory = pods * memory_bytes(service.resources.memory_request) / (nodes * shape.memory_bytes)
    return min(1.0, max(cpu, memory))


def _split(line: CostLine, shares: dict[str, float], rest: str, level: str) -> dict[str, float]:
    """A line's cost at a level, given to workloads by fraction and the remainder to `rest`."""
    total = float(getattr(line, level))
    parts = {name: total * share for name, share in shares.items()}
    parts[rest] = total - sum(parts.values())
    return parts


def region_cost_by_workload(platform: PlatformConfig, region: Region, season: Season) -> tuple[WorkloadCost, ...]:
    """The region's cost lines (foundation.cost.region_cost) split by workload, in a fixed order."""
    pools = plan_node_pools(platform, region)
    system = next(p for p in pools if p.role is PoolRole.SYSTEM)
    queue_names = [p.name for p in pools if p.role is PoolRole.QUEUE]
    order = [PHOTO_WORKER, MODEL_SERVICES, *queue_names, *([AI_CACHE] if platform.cache else []), SHARED]
    totals = {name: dict.fromkeys(LEVELS, 0.0) for name in order}
    for line in region_cost(platform, region, season).lines:
        for level in LEVELS:
            if line.kind is CostKind.GPU_POOL:
                parts = _split(line, {MODEL_SERVICES: model_share(platform, pools, season, level)}, PHOTO_WORKER, level)
            elif line.kind is CostKind.QUEUE_POOL:
                parts = {line.pool: float(getattr(line, level))}
            elif line.kind is CostKind.CACHE:
                parts = {AI_CACHE: float(getattr(line, level))}
            elif line.kind is CostKind.SYSTEM_POOL and platform.cache is not None:
                parts = _split(
                    line, {AI_CACHE: cache_service_share(system, platform.cache.service, level)}, SHARED, level
                )
            else:
                parts = {SHARED: float(getattr(line, level))}
            for name, amount in parts.items():
                totals[name][level] += amount
    return tuple(WorkloadCost(name, **totals[name]) for name in order)
