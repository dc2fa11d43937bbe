"""GPU capacity: tainted so only GPU workloads land on it, tolerated by those workloads, and a
worst case within the hourly budget (priced from foundation/prices.py, like the cost estimate).

The taint, the GPU resource name and the capacity spellings come from the foundation, like the
node groups' and pools' own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity, StackValidationArgs

from foundation.policy_settings import setting
from foundation.scheduling import GPU_RESOURCE, GPU_TAINT
from policies.build import Report, resource_policy, stack_policy
from policies.kubernetes import pod_spec
from policies.pool_spend import check_spend
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


def _within_budget(args: StackValidationArgs, report: Report) -> None:
    budget = float(setting(args.get_config(), "gpu_hourly_budget_usd"))
    check_spend(args, report, is_gpu_node_group, budget, "GPU")


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
