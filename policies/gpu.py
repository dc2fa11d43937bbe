"""GPU capacity: tainted so only GPU workloads land on it, tolerated by those workloads, and a
worst case within the hourly budget (priced from infra/prices.py, like the cost estimate)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs, Severity, StackValidationArgs

from infra.prices import UnknownPrice, instance_hourly
from policies.build import resource_policy, stack_policy
from policies.kubernetes import pod_spec
from policies.resources import GPU_RESOURCE, GPU_TAINT_KEY, get, is_gpu_node_group
from policies.settings import setting


def _taints(resource_type: str, props: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if resource_type == "gcp:container/nodePool:NodePool":
        return get(props, "nodeConfig", "taints", default=[]) or []
    return get(props, "taints", default=[]) or []


def _tainted(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not is_gpu_node_group(args.resource_type, args.props):
        return
    taints = _taints(args.resource_type, args.props)
    if not any(t.get("key") == GPU_TAINT_KEY and t.get("effect") == "NO_SCHEDULE" for t in taints):
        report(f"GPU nodes without the taint {GPU_TAINT_KEY}:NoSchedule: any pod could land on them")


def _requests_gpu(container: Mapping[str, Any]) -> bool:
    resources = container.get("resources") or {}
    return any(GPU_RESOURCE in (resources.get(kind) or {}) for kind in ("limits", "requests"))


def _tolerates(args: ResourceValidationArgs, report: ReportViolation) -> None:
    spec = pod_spec(args.resource_type, args.props)
    if spec is None or not any(_requests_gpu(c) for c in spec.get("containers") or []):
        return
    tolerations = spec.get("tolerations") or []
    if not any(t.get("key") == GPU_TAINT_KEY and t.get("effect") in (None, "", "NoSchedule") for t in tolerations):
        report(f"requests {GPU_RESOURCE} but does not tolerate the GPU taint: it can never be scheduled")


def _gpu_pool_max(resource_type: str, props: Mapping[str, Any]) -> tuple[str, str, int]:
    if resource_type == "gcp:container/nodePool:NodePool":
        spot = get(props, "nodeConfig", "spot") is True
        return (
            get(props, "nodeConfig", "machineType", default="?"),
            "spot" if spot else "on_demand",
            int(get(props, "autoscaling", "totalMaxNodeCount", default=0)),
        )
    capacity = "spot" if get(props, "capacityType") == "SPOT" else "on_demand"
    return (
        get(props, "instanceTypes", 0, default="?"),
        capacity,
        int(get(props, "scalingConfig", "maxSize", default=0)),
    )


def _within_budget(args: StackValidationArgs, report: ReportViolation) -> None:
    budget = float(setting(args.get_config(), "gpu_hourly_budget_usd"))
    total, parts = 0.0, []
    for resource in args.resources:
        if not is_gpu_node_group(resource.resource_type, resource.props):
            continue
        instance_type, capacity, max_nodes = _gpu_pool_max(resource.resource_type, resource.props)
        try:
            cost = instance_hourly(instance_type, capacity).usd * max_nodes  # type: ignore[arg-type]
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
        "Build GPU pools with gpu_node_group_spec / gpu_pool_spec (GPU_TAINT).",
        severity=Severity.CRITICAL,
    ),
    resource_policy(
        "gpu-workloads-tolerate-taint",
        "Workloads requesting nvidia.com/gpu tolerate the GPU taint.",
        _tolerates,
        "Add the toleration derived from components.scheduling.GPU_TAINT.",
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
