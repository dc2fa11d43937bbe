"""The node-pool plan: one value per pool, and every reader of it (node groups, node pools, cost) agrees."""

from __future__ import annotations

import pytest

from foundation.capacity import Capacity
from foundation.config import Cloud, Season
from foundation.cost import CostKind, gpu_max_hourly, region_cost
from foundation.node_pools import PoolRole, gpu_capacity, plan_node_pools
from foundation.prices import instance_hourly
from foundation.scheduling import GPU_TAINT
from infra.offline.summary import region_of

EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
GKE_NODE_POOL = "gcp:container/nodePool:NodePool"


def test_each_region_plans_its_system_pool_then_its_gpu_pools_then_its_queue_pools_in_config_order(prod) -> None:
    platform, _ = prod
    for region in platform.regions:
        pools = plan_node_pools(platform, region)
        queue = [w.name for w in platform.queue_workers if w.enabled]
        gpu = [PoolRole.GPU] * len(region.gpu_pools)
        assert [p.role for p in pools] == [PoolRole.SYSTEM, *gpu, *[PoolRole.QUEUE] * len(queue)]
        assert [p.name for p in pools[1:]] == [g.name for g in region.gpu_pools] + queue
        assert pools[0].taints == () and pools[0].gpus_per_node == 0


def test_every_gpu_pool_plan_carries_the_gpu_taint_first_and_once(prod, variant) -> None:
    def extra_taints(raw: dict) -> None:
        raw["regions"][0]["gpu_pools"][0]["taints"] = [
            {"key": GPU_TAINT.key, "value": "other", "effect": "NoExecute"},
            {"key": "dedicated", "value": "photos"},
        ]

    platform, _ = variant("staging", extra_taints)
    (pool,) = [p for p in plan_node_pools(platform, platform.regions[0]) if p.role is PoolRole.GPU]
    assert pool.taints[0] == GPU_TAINT
    assert [t.key for t in pool.taints] == [GPU_TAINT.key, "dedicated"]


def test_gpu_capacity_is_nodes_times_gpus_per_node_and_follows_the_season(prod) -> None:
    platform, _ = prod
    region = platform.regions[0]
    pools = plan_node_pools(platform, region)
    for season in Season:
        fraction = platform.seasons.profile(season).gpu_max_fraction
        expected = sum(max(g.min_size, 1, -(-g.max_size * fraction // 1)) * g.gpus_per_node for g in region.gpu_pools)
        assert gpu_capacity(pools, season) == expected
    assert gpu_capacity(pools, Season.PEAK) >= gpu_capacity(pools, Season.OFF_SEASON)


def _plan_resources(plan, platform, resource_type: str, region_id: str) -> dict[str, dict]:
    ids = {r.id for r in platform.regions}
    return {r.name: r.inputs for r in plan.of_type(resource_type) if region_of(plan, r, ids) == region_id}


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_node_groups_and_node_pools_in_the_plan_are_the_node_pool_plan(request, stack: str) -> None:
    platform, plan = request.getfixturevalue(stack)
    for region in platform.regions:
        if region.cloud is Cloud.AWS:
            groups = _plan_resources(plan, platform, EKS_NODE_GROUP, region.id)
            for pool in plan_node_pools(platform, region):
                inputs = groups[f"{region.id}-{pool.resource_name}-nodes"]
                scaling = inputs["scalingConfig"]
                assert (scaling["minSize"], scaling["desiredSize"], scaling["maxSize"]) == (
                    pool.bounds.min_size,
                    pool.bounds.desired_size,
                    pool.bounds.max_size,
                )
                assert Capacity.from_eks(inputs["capacityType"]) is pool.capacity
                assert inputs["instanceTypes"] == [pool.instance_type]
                assert inputs["labels"] == dict(pool.labels)
        else:
            node_pools = _plan_resources(plan, platform, GKE_NODE_POOL, region.id)
            for pool in plan_node_pools(platform, region):
                inputs = node_pools[f"{region.id}-{pool.resource_name}-pool"]
                assert inputs["autoscaling"]["totalMaxNodeCount"] == pool.bounds.max_size
                assert Capacity.from_gke(inputs["nodeConfig"].get("spot")) is pool.capacity
                accelerators = inputs["nodeConfig"].get("guestAccelerators") or []
                assert sum(a["count"] for a in accelerators) == pool.gpus_per_node


def test_cost_lines_price_the_planned_pools_and_mark_gpu_lines_by_kind(prod) -> None:
    platform, _ = prod
    for season in Season:
        expected_gpu = 0.0
        for region in platform.regions:
            pools = plan_node_pools(platform, region)
            lines = region_cost(platform, region, season).lines
            gpu_lines = [line for line in lines if line.kind is CostKind.GPU_POOL]
            gpu_pools = [p for p in pools if p.role is PoolRole.GPU]
            pool_lines, added = gpu_lines[: len(gpu_pools)], gpu_lines[len(gpu_pools) :]
            assert len(added) <= 1 and all(line.at_max == 0 for line in added)  # nodes added below the maxima only
            for line, pool in zip(pool_lines, gpu_pools, strict=True):
                hourly = instance_hourly(pool.instance_type, pool.capacity).usd
                assert line.at_max == pytest.approx(hourly * pool.bounds_by_season[season].max_size)
                expected_gpu += line.at_max
        assert gpu_max_hourly(platform, season) == pytest.approx(expected_gpu)
