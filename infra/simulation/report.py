"""The Saturday table: per region, queue depth by hour, the worst gallery, GPU-hours and cost, the verdict."""

from __future__ import annotations

import math

from foundation.config.simulation import HOURS_PER_DAY, SimulationConfig
from infra.simulation.saturday import RegionDay


def _minutes(seconds: float) -> str:
    return "never" if math.isinf(seconds) else f"{seconds / 60:.1f} min"


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _hourly_peaks(day: RegionDay) -> tuple[list[int], list[int]]:
    """Deepest queue (photos) and most ready GPUs in each hour of the day."""
    depth, gpus = [0] * HOURS_PER_DAY, [0] * HOURS_PER_DAY
    for at, queued, ready in day.outcome.samples:
        hour = at // 3600
        if hour < HOURS_PER_DAY:
            depth[hour] = max(depth[hour], math.ceil(queued))
            gpus[hour] = max(gpus[hour], ready)
    return depth, gpus


def _verdict(day: RegionDay) -> str:
    target = f"every gallery in {day.target_seconds // 60} minutes"
    if day.holds:
        return f"HOLDS: {target}"
    if day.gpus_needed is None:
        return (
            f"DOES NOT HOLD: {target}; no GPU count fixes it: node start-up ({day.region.node_startup_seconds} s) "
            f"or lagCount {day.region.scaler.lag_target} keeps workers from starting in time (pre-scale earlier)"
        )
    return (
        f"DOES NOT HOLD: {target}; it would with {day.gpus_needed} GPUs "
        f"(GPU node-group maxima and maxReplicaCount of at least {day.gpus_needed // day.region.gpus_per_pod}; "
        f"the plan allows {day.region.max_gpus} GPUs, {day.region.scaler.max_replicas} pods)"
    )


def render_saturday(days: list[RegionDay], config: SimulationConfig, stack: str) -> str:
    """The report `python -m infra simulate` prints."""
    total = sum(config.galleries_per_hour)
    lines = [
        f"A peak Saturday on stack {stack} (season {config.season.value}): {total} galleries of "
        f"{config.photos_per_gallery} photos per region ({config.raw_share:.0%} RAW), each hour's galleries "
        f"arriving at once; GPU nodes ready {config.node_startup_seconds} s after they are requested.",
    ]
    for day in days:
        rate, scaler = day.rate, day.region.scaler
        depth, gpus = _hourly_peaks(day)
        kind = "an ESTIMATE, not measured" if rate.estimate else "measured"
        lines += [
            "",
            f"{day.region.name}: {rate.gpu_model} at {rate.jpeg_per_second:g} JPEG / {rate.raw_per_second:g} RAW "
            f"photos/s per GPU (docs/benchmarks.md, low end, {kind}); KEDA every {scaler.polling_seconds} s, "
            f"{scaler.min_replicas}-{scaler.max_replicas} pods, lagCount {scaler.lag_target}, pre-scale "
            f"{scaler.prescale_replicas} pods {_clock(scaler.prescale_start)}-{_clock(scaler.prescale_end)}; "
            f"up to {day.region.max_gpus} GPUs",
            f"  hour              {' '.join(f'{h:>6}' for h in range(HOURS_PER_DAY))}",
            f"  max queue (photos){' '.join(f'{d:>6}' for d in depth)}",
            f"  max ready GPUs    {' '.join(f'{g:>6}' for g in gpus)}",
            f"  worst gallery: {_minutes(day.outcome.worst_seconds)}; GPU-hours {day.outcome.gpu_hours:.1f}, "
            f"GPU cost ${day.outcome.cost_usd:,.2f}",
            f"  {_verdict(day)}",
        ]
    return "\n".join(lines)
