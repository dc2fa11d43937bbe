"""Worst-case hourly spend of a set of node pools (each at its maximum x its list price from
foundation/prices.py, like the cost estimate): the GPU budget and the queue-pool budget both read it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pulumi_policy import StackValidationArgs

from foundation.capacity import Capacity
from foundation.prices import UnknownPrice, instance_hourly
from policies.build import Report
from policies.resources import get

GKE_NODE_POOL = "gcp:container/nodePool:NodePool"


def pool_max(resource_type: str, props: Mapping[str, Any]) -> tuple[str, Capacity, int]:
    """Instance type, capacity and maximum node count of an EKS node group or GKE node pool."""
    if resource_type == GKE_NODE_POOL:
        return (
            get(props, "nodeConfig", "machineType", default="?"),
            Capacity.from_gke(get(props, "nodeConfig", "spot")),
            int(get(props, "autoscaling", "totalMaxNodeCount", default=0)),
        )
    return (
        get(props, "instanceTypes", 0, default="?"),
        Capacity.from_eks(get(props, "capacityType")),
        int(get(props, "scalingConfig", "maxSize", default=0)),
    )


def check_spend(
    args: StackValidationArgs,
    report: Report,
    selects: Callable[[str, Mapping[str, Any]], bool],
    budget: float,
    what: str,
) -> None:
    """Report when the selected pools at their maxima cost more than `budget` $/h (at the costliest pool)."""
    total, parts = 0.0, []
    for resource in args.resources:
        if not selects(resource.resource_type, resource.props):
            continue
        instance_type, capacity, max_nodes = pool_max(resource.resource_type, resource.props)
        try:
            cost = instance_hourly(instance_type, capacity).usd * max_nodes
        except UnknownPrice as exc:
            report(f"{exc}: the {what} budget cannot be checked", resource.urn)
            continue
        total += cost
        parts.append((cost, resource.urn))
    if total > budget:
        largest = max(parts)[1] if parts else None
        report(
            f"worst-case {what} spend {total:.2f} $/h (every {what} pool at its maximum) exceeds the budget of "
            f"{budget:.2f} $/h",
            largest,
        )
