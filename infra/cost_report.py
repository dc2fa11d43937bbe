"""The preview's cost table, rendered from the foundation's cost arithmetic."""

from __future__ import annotations

from foundation.config import PlatformConfig, Season
from foundation.cost import CostKind, gpu_max_hourly, platform_cost
from foundation.prices import HOURS_PER_MONTH
from foundation.workload_cost import AI_CACHE, SHARED, WorkloadCost, region_cost_by_workload


def render_cost(platform: PlatformConfig) -> str:
    """The preview's cost table: per region and total, hourly and monthly, and the off-season saving."""
    costs = platform_cost(platform)
    lines = [
        f"Estimated cost (USD, list prices from foundation/prices.py; season {platform.season.value}):",
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
    if platform.delivery:
        egress = sum(line.at_max for c in costs for line in c.lines if line.kind is CostKind.CDN_EGRESS)
        lines.append(
            f"  CDN egress (in the totals): {platform.delivery.monthly_delivery_gb:,} GB/month per region, "
            f"${egress * HOURS_PER_MONTH:,.0f}/month in all"
        )
    peak = sum(c.total("at_max") for c in platform_cost(platform, Season.PEAK))
    off = sum(c.total("at_max") for c in platform_cost(platform, Season.OFF_SEASON))
    lines.append(
        f"  off-season vs peak at max capacity: {off:.2f} vs {peak:.2f} $/h, saving {peak - off:.2f} $/h "
        f"(${(peak - off) * HOURS_PER_MONTH:,.0f}/month, {100 * (peak - off) / peak:.0f}%)"
    )
    estimated = sorted({line.item for cost in costs for line in cost.lines if line.estimated})
    if estimated:
        lines.append(
            "  estimated prices (not read on the provider's pricing page; verify before budgeting): "
            + "; ".join(estimated)
        )
    lines.extend(render_cost_by_workload(platform))
    return "\n".join(lines)


def render_cost_by_workload(platform: PlatformConfig) -> list[str]:
    """The cost table split by workload (foundation/workload_cost.py), at desired and at max capacity: one column
    per region, the stack's total and each workload's share of it; the region totals match the table above."""
    by_region = {r.id: region_cost_by_workload(platform, r, platform.season) for r in platform.regions}
    lines = [*_workload_block(by_region, "at_desired"), *_workload_block(by_region, "at_max")]
    lines.append(
        "  GPU pools: the model services pay for their GPUs at the pools' average price per GPU (reserved GPUs at max,"
        " HPA minima below), the photo worker for the rest."
    )
    if platform.cache:
        lines.append(f"  {AI_CACHE}: the cache cluster, and the cache service's requests' share of the system pool.")
    lines.append(
        f"  {SHARED}: control plane, NAT, load balancer, job-queue Redis, CDN egress, the rest of the system pool."
    )
    return lines


def _workload_block(by_region: dict[str, tuple[WorkloadCost, ...]], level: str) -> list[str]:
    """One level's rows: each workload per region, its stack total and share, then the region totals."""
    widths = [max(10, len(region) + 2) for region in by_region]
    regions = list(by_region.values())

    def row(label: str, amounts: list[float], tail: str) -> str:
        cells = "".join(f"{a:>{w}.2f}" for a, w in zip(amounts, widths, strict=True))
        return f"    {label:<18}{cells}{sum(amounts):>10.2f}{tail}"

    stack_total = sum(w.at(level) for shares in regions for w in shares)
    lines = [
        f"  Cost by workload at {level.removeprefix('at_')} capacity ($/h):",
        f"    {'workload':<18}"
        + "".join(f"{r:>{w}}" for r, w in zip(by_region, widths, strict=True))
        + f"{'total':>10}{'share':>8}",
    ]
    for index, first in enumerate(regions[0]):
        amounts = [shares[index].at(level) for shares in regions]
        share = 100 * sum(amounts) / stack_total if stack_total else 0.0
        lines.append(row(first.workload, amounts, f"{share:>7.1f}%"))
    lines.append(row("region total", [sum(w.at(level) for w in shares) for shares in regions], ""))
    return lines
