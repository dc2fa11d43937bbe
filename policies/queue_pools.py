"""The queue workloads' own CPU pools (foundation/node_pools.py PoolRole.QUEUE, found by their
foundation.scheduling.QUEUE_POOL_LABEL): GPU-free and untainted, and a worst case within their hourly budget."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity, StackValidationArgs

from foundation.policy_settings import setting
from foundation.scheduling import QUEUE_POOL_LABEL
from policies.build import Report, resource_policy, stack_policy
from policies.pool_spend import GKE_NODE_POOL, check_spend
from policies.resources import get, is_gpu_node_group


def is_queue_pool(resource_type: str, props: Mapping[str, Any]) -> bool:
    """An EKS node group or GKE node pool labelled as a queue workload's pool."""
    if resource_type == GKE_NODE_POOL:
        return QUEUE_POOL_LABEL in (get(props, "nodeConfig", "labels", default={}) or {})
    return resource_type == "aws:eks/nodeGroup:NodeGroup" and QUEUE_POOL_LABEL in (
        get(props, "labels", default={}) or {}
    )


def _gpu_free(args: ResourceValidationArgs, report: Report) -> None:
    if not is_queue_pool(args.resource_type, args.props):
        return
    taints = get(args.props, "nodeConfig", "taints", default=[]) or get(args.props, "taints", default=[]) or []
    if is_gpu_node_group(args.resource_type, args.props) or taints:
        report("a queue workload's CPU pool must be GPU-free and untainted (its workers tolerate nothing)")


def _within_budget(args: StackValidationArgs, report: Report) -> None:
    budget = float(setting(args.get_config(), "queue_pool_hourly_budget_usd"))
    check_spend(args, report, is_queue_pool, budget, "queue-worker")


POLICIES = [
    resource_policy(
        "queue-pools-cpu-only",
        "A queue workload's own node pool has no GPUs and no taints.",
        _gpu_free,
        "Build queue pools from foundation.node_pools.plan_node_pools (PoolRole.QUEUE).",
    ),
    stack_policy(
        "queue-pool-budget",
        "Worst-case spend of the queue workloads' pools (each pool's max x its hourly price) stays within budget.",
        _within_budget,
        "Lower the workloads' max_replicas, raise pods_per_node, or raise budget.queue_pool_hourly_usd.",
        severity=Severity.HIGH,
        settings=("queue_pool_hourly_budget_usd",),
    ),
]
