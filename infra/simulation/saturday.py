"""Replay a peak Saturday through each region of a plan, and say whether every gallery makes the target."""

from __future__ import annotations

import json
from dataclasses import dataclass

from foundation.config import PLATFORM_KEY, Season
from foundation.config.simulation import SimulationConfig
from infra.offline.plan import Plan
from infra.simulation.benchmarks import BenchmarkError, GpuRate, gpu_rate
from infra.simulation.model import Gallery, Outcome, Region, simulate
from infra.simulation.plan_inputs import gpu_pools, region_ids, worker_gpus, worker_scaler

SEARCH_LIMIT_GPUS = 4096  # no region is asked to consider more GPUs than this


def galleries(config: SimulationConfig) -> list[Gallery]:
    """Each hour's galleries, arriving together at the top of the hour (the seed's "at once")."""
    return [
        Gallery(hour * 3600, config.photos_per_gallery)
        for hour, count in enumerate(config.galleries_per_hour)
        for _ in range(count)
    ]


@dataclass(frozen=True)
class RegionDay:
    """One region's simulated Saturday, and the fewest GPUs that would have met the target."""

    region: Region
    rate: GpuRate
    outcome: Outcome
    target_seconds: int
    gpus_needed: int | None  # None: no GPU count meets the target (start-up or lagCount binds)

    @property
    def holds(self) -> bool:
        return self.outcome.worst_seconds <= self.target_seconds


def region_from_plan(plan: Plan, region: str, config: SimulationConfig) -> tuple[Region, GpuRate]:
    """The region's scaling as the plan deploys it, at the per-GPU rate docs/benchmarks.md gives its GPU model."""
    pools = gpu_pools(plan, region)
    models = {model for model, _ in pools}
    if len(models) != 1:
        raise BenchmarkError(f"{region}: the simulation takes one GPU model per region (the plan has {sorted(models)})")
    rate = gpu_rate(models.pop())
    return (
        Region(
            name=region,
            scaler=worker_scaler(plan, region),
            pools=tuple(pool for _, pool in pools),
            gpus_per_pod=worker_gpus(plan, region),
            seconds_per_photo=rate.seconds_per_photo(config.raw_share),
            node_startup_seconds=config.node_startup_seconds,
        ),
        rate,
    )


def gpus_needed(region: Region, arrivals: list[Gallery], target_seconds: int) -> int | None:
    """The fewest GPUs (node-group maxima and maxReplicaCount raised together) that meet the target."""

    def holds(gpus: int) -> bool:
        return simulate(region.with_gpus(gpus), arrivals).worst_seconds <= target_seconds

    low, high = region.max_gpus, SEARCH_LIMIT_GPUS
    if holds(low):
        return low
    if not holds(high):
        return None
    while high - low > 1:  # holds(high), not holds(low)
        middle = (low + high) // 2
        low, high = (low, middle) if holds(middle) else (middle, high)
    return high


def simulate_plan(plan: Plan, config: SimulationConfig) -> list[RegionDay]:
    """Every region's Saturday under the same arrival curve, on its own clock."""
    arrivals, target = galleries(config), config.target_minutes * 60
    days = []
    for name in region_ids(plan):
        region, rate = region_from_plan(plan, name, config)
        outcome = simulate(region, arrivals)
        needed = None if outcome.worst_seconds <= target else gpus_needed(region, arrivals, target)
        days.append(RegionDay(region, rate, outcome, target, needed))
    return days


def with_season(stack_config: dict[str, str], season: Season) -> dict[str, str]:
    """The stack's config texts with the platform's `season` replaced: the plan that season deploys."""
    platform = json.loads(stack_config[PLATFORM_KEY])
    return {**stack_config, PLATFORM_KEY: json.dumps({**platform, "season": season.value})}
