"""The preview's cost table, rendered from the foundation's cost arithmetic."""

from __future__ import annotations

from foundation.config import PlatformConfig, Season
from foundation.cost import CostKind, gpu_max_hourly, platform_cost
from foundation.prices import HOURS_PER_MONTH


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
    return "\n".join(lines)
