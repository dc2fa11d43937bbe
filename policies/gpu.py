"""GPU capacity: tainted so only GPU workloads land on it, tolerated by those workloads, and a
worst case within the hourly budget (priced from foundation/prices.py, like the cost estimate).

The taint, the GPU resource name and the capacity spellings come from the foundation, like the
node groups' and pools' own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity, StackValidationArgs

from foundation.capacity import Capacity
from foundation.policy_settings import setting
from foundation.prices import UnknownPrice, instance_hourly
from foundation.scheduling import GPU_RESOURCE, GPU_TAINT
from policies.build import Report, resource_policy, stack_policy
from policies.kubernetes import pod_spec
from policies.resources import get, is_gpu_node_group


def _taints(resource_type: str, props: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if resource_type == "gcp:container/nodePool:NodePool":
        return get(props, "nodeConfig", "taints", default=[]) or []
    return get(props, "taints", default=[]) or []


def _tainted(args: ResourceValidationArgs, report: Report) -> None:
    if not is_gpu_node_group(args.resource_type, args.props):
        return
    if not GPU_TAINT.is_on_node_pool(_taints(args.resource_type, args.props)):
        report(f"GPU nodes without the taint {GPU_TAINT.key}:{GPU_TAINT.effect.value}: any pod could land on them")


def _requests_gpu(container: Mapping[str, Any]) -> bool:
    resources = container.get("resources") or {}
    return any(GPU_RESOURCE in (resources.get(kind) or {}) for kind in ("limits", "requests"))


def _tolerates(args: ResourceValidationArgs, report: Report) -> None:
    spec = pod_spec(args.resource_type, args.props)
    if spec is None or not any(_requests_gpu(c) for c in spec.get("containers") or []):
        return
    if not GPU_TAINT.is_tolerated_by(spec.get("tolerations") or []):
        report(f"requests {GPU_RESOURCE} but does not tolerate the GPU taint: it can never be scheduled")


def _gpu_pool_max(resource_type: str, props: Mapping[str, Any]) -> tuple[str, Capacity, int]:
    """Instance type, capacity and maximum node count of a GPU node group or pool."""
    if resource_type == "gcp:container/nodePool:NodePool":
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


def _within_budget(args: StackValidationArgs, report: Report) -> None:
    budget = float(setting(args.get_config(), "gpu_hourly_budget_usd"))
    total, parts = 0.0, []
    for resource in args.resources:
        if not is_gpu_node_group(resource.resource_type, resource.props):
            continue
        instance_type, capacity, max_nodes = _gpu_pool_max(resource.resource_type, resource.props)
        try:
            cost = instance_hourly(instance_type, capacity).usd * max_nodes
        except UnknownPrice as exc:
            report(f"{exc}: the GPU budget cannot be checked", resource.urn)
            continue
        total += cost
        parts.append((cost, resource.urn))
    if total > budget:
        largest = max(parts)[1] if parts else None
        report(
            f"worst-case GPU spend {total:.2f} $/h (every GPU pool at its maximum) exceeds the budget of "
            f"{budget:.2f} $/h",
            largest,
        )


POLICIES = [
    resource_policy(
        "gpu-nodes-tainted",
        "Every GPU node group and pool carries nvidia.com/gpu:NoSchedule.",
        _tainted,
        "Build GPU pools from foundation.node_pools.plan_node_pools (it adds foundation.scheduling.GPU_TAINT).",
        severity=Severity.CRITICAL,
    ),
    resource_policy(
        "gpu-workloads-tolerate-taint",
        "Workloads requesting nvidia.com/gpu tolerate the GPU taint.",
        _tolerates,
        "Add GPU_TAINT.toleration() from foundation.scheduling.",
    ),
    stack_policy(
        "gpu-budget",
        "Worst-case GPU spend (each pool's max x its hourly price) stays within budget.",
        _within_budget,
        "Lower the GPU pools' max_size, use spot pools, or raise budget.gpu_hourly_usd.",
        severity=Severity.HIGH,
        settings=("gpu_hourly_budget_usd",),
    ),
]
