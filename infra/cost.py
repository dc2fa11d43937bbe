"""Cost estimate per region at min, desired and max capacity, from the config and the price table.

Pure arithmetic: node pools (by instance type and capacity type, GPU pools cut to the season),
NAT gateways, the ingress load balancer, Redis, the cluster fee; storage is priced per TB-month.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.config import Cloud, PlatformConfig, Region, Season
from infra.planning import PoolBounds, seasonal_bounds
from infra.prices import (
    CLUSTER_HOURLY,
    HOURS_PER_MONTH,
    LOAD_BALANCER_HOURLY,
    MEMORYSTORE_GB_HOURLY,
    NAT_GATEWAY_HOURLY,
    STORAGE_TB_MONTH,
    instance_hourly,
    redis_hourly,
)


@dataclass(frozen=True)
class CostLine:
    """One item's hourly cost at minimum, desired and maximum capacity."""

    item: str
    at_min: float
    at_desired: float
    at_max: float


@dataclass(frozen=True)
class RegionCost:
    """Every cost line of a region, and its storage price per TB-month."""

    region: str
    lines: tuple[CostLine, ...]
    storage_tb_month: float

    def total(self, level: str) -> float:
        return sum(getattr(line, level) for line in self.lines)


def _pool_line(item: str, instance_type: str, capacity: str, bounds: PoolBounds) -> CostLine:
    hourly = instance_hourly(instance_type, capacity).usd  # type: ignore[arg-type]
    return CostLine(item, hourly * bounds.min_size, hourly * bounds.desired_size, hourly * bounds.max_size)


def _fixed(item: str, hourly: float) -> CostLine:
    return CostLine(item, hourly, hourly, hourly)


def region_cost(platform: PlatformConfig, region: Region, season: Season) -> RegionCost:
    """The region's hourly cost lines under a season's profile."""
    cloud = region.cloud.value
    profile = platform.seasons.profile(season)
    system = region.system_pool
    lines = [
        _fixed("cluster control plane", CLUSTER_HOURLY[cloud].usd),
        _pool_line(
            f"system pool ({system.instance_type}, on_demand)",
            system.instance_type,
            "on_demand",
            PoolBounds(system.min_size, system.desired_size, system.max_size),
        ),
    ]
    lines += [
        _pool_line(
            f"GPU pool {pool.name} ({pool.instance_type}, {pool.capacity.value})",
            pool.instance_type,
            pool.capacity.value,
            seasonal_bounds(pool, profile),
        )
        for pool in region.gpu_pools
    ]
    nat_count = (
        len(region.network.availability_zones) if cloud == "aws" and region.network.nat_gateways == "per_az" else 1
    )
    lines.append(_fixed(f"NAT gateways ({nat_count})", NAT_GATEWAY_HOURLY[cloud].usd * nat_count))
    lines.append(_fixed("ingress load balancer", LOAD_BALANCER_HOURLY[cloud].usd))
    if region.cloud is Cloud.AWS and region.redis.node_type:
        redis = redis_hourly(region.redis.node_type).usd * region.redis.nodes
        lines.append(_fixed(f"Redis ({region.redis.nodes} x {region.redis.node_type})", redis))
    elif region.redis.memory_gb:
        lines.append(
            _fixed(
                f"Redis (Memorystore HA, {region.redis.memory_gb} GB)",
                MEMORYSTORE_GB_HOURLY.usd * region.redis.memory_gb,
            )
        )
    return RegionCost(region.id, tuple(lines), STORAGE_TB_MONTH[cloud].usd)


def platform_cost(platform: PlatformConfig, season: Season | None = None) -> list[RegionCost]:
    """Every region's cost under a season (default: the configured one)."""
    return [region_cost(platform, region, season or platform.season) for region in platform.regions]


def gpu_max_hourly(platform: PlatformConfig, season: Season) -> float:
    """Worst-case hourly GPU spend: every GPU pool at its seasonal maximum."""
    return sum(
        line.at_max
        for cost in platform_cost(platform, season)
        for line in cost.lines
        if line.item.startswith("GPU pool")
    )


def render_cost(platform: PlatformConfig) -> str:
    """The preview's cost table: per region and total, hourly and monthly, and the off-season saving."""
    costs = platform_cost(platform)
    lines = [
        f"Estimated cost (USD, list prices from infra/prices.py; season {platform.season.value}):",
        f"  {'region':<18}{'min $/h':>10}{'desired $/h':>13}{'max $/h':>10}{'max $/month':>13}"
        f"{'storage $/TB-month':>20}",
    ]
    for cost in costs:
        at_max = cost.total("at_max")
        lines.append(
            f"  {cost.region:<18}{cost.total('at_min'):>10.2f}{cost.total('at_desired'):>13.2f}"
            f"{at_max:>10.2f}{at_max * HOURS_PER_MONTH:>13,.0f}{cost.storage_tb_month:>20.2f}"
        )
    totals = {level: sum(c.total(level) for c in costs) for level in ("at_min", "at_desired", "at_max")}
    lines.append(
        f"  {'total':<18}{totals['at_min']:>10.2f}{totals['at_desired']:>13.2f}{totals['at_max']:>10.2f}"
        f"{totals['at_max'] * HOURS_PER_MONTH:>13,.0f}"
    )
    lines.append(
        f"  monthly at desired capacity: ${totals['at_desired'] * HOURS_PER_MONTH:,.0f}; "
        f"worst-case GPU spend {gpu_max_hourly(platform, platform.season):.2f} $/h "
        f"(budget {platform.budget.gpu_hourly_usd:.2f} $/h)"
    )
    peak = sum(c.total("at_max") for c in platform_cost(platform, Season.PEAK))
    off = sum(c.total("at_max") for c in platform_cost(platform, Season.OFF_SEASON))
    lines.append(
        f"  off-season vs peak at max capacity: {off:.2f} vs {peak:.2f} $/h, saving {peak - off:.2f} $/h "
        f"(${(peak - off) * HOURS_PER_MONTH:,.0f}/month, {100 * (peak - off) / peak:.0f}%)"
    )
    return "\n".join(lines)
