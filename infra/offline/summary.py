"""A readable summary of a captured plan: resources by region and type, residency and failover."""

from __future__ import annotations

from collections import Counter, defaultdict

from foundation.config import PlatformConfig
from infra.offline.monitor import Registration
from infra.offline.plan import Plan

GLOBAL = "global"


def region_of(plan: Plan, resource: Registration, region_ids: set[str]) -> str:
    """The region a resource belongs to: that of its top-level component or of its provider."""
    index = plan.by_urn()
    top = resource
    while top.parent in index and index[top.parent].type != "pulumi:pulumi:Stack":
        top = index[top.parent]
    candidate = str(top.inputs.get("region", "")) if top.type.startswith("pulumi:providers:") else top.name
    return candidate if candidate in region_ids else GLOBAL


def render_summary(plan: Plan, platform: PlatformConfig) -> str:
    """Counts of resources per region and type, totals, and what each residency zone can fail over to."""
    region_ids = {r.id for r in platform.regions}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for resource in plan.resources:
        if resource.type == "pulumi:pulumi:Stack":
            continue
        counts[region_of(plan, resource, region_ids)][resource.type] += 1

    protection = "protected (protect + retain_on_delete)" if platform.protect else "not protected"
    lines = [
        f"{plan.project} · stack {plan.stack} · tier {platform.tier.value} · season {platform.season.value}"
        f" · stateful resources {protection}",
        "",
    ]
    for region in platform.regions:
        region_counts = counts.get(region.id, Counter())
        lines.append(
            f"Region {region.id} ({region.cloud.value}, {region.role.value}, zone {region.residency}, "
            f"backup {region.backup_region}): {sum(region_counts.values())} resources"
        )
        if not region_counts:
            lines.append("  (no component for this cloud yet: nothing is deployed here)")
        lines.extend(_type_lines(region_counts))
        lines.append("")
    if counts.get(GLOBAL):
        lines.append(f"Global: {sum(counts[GLOBAL].values())} resources")
        lines.extend(_type_lines(counts[GLOBAL]))
        lines.append("")

    lines.append("Residency zones and failover:")
    for zone, regions in platform.regions_by_zone().items():
        names = ", ".join(r.id for r in regions)
        if len(regions) == 1:
            lines.append(f"  {zone}: {names} (single region: NO failover; photos stay in {zone})")
        else:
            lines.append(f"  {zone}: {names} (fail over within the zone only)")
    custom = sum(1 for r in plan.resources if r.custom)
    components = sum(1 for r in plan.resources if not r.custom and r.type != "pulumi:pulumi:Stack")
    lines.append("")
    lines.append(f"Total: {custom} resources in {components} components, {len(platform.regions)} regions")
    return "\n".join(lines)


def _type_lines(counts: Counter[str]) -> list[str]:
    width = max((len(t) for t in counts), default=0)
    return [f"  {resource_type:<{width}}  {count:>4}" for resource_type, count in sorted(counts.items())]
