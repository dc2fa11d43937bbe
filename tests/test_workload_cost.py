"""The cost by workload: the shares add up to each region's total, the cache tier is priced, and the model
services' and the cache service's shares match what the plan deploys (node groups, autoscalers, requests)."""

from __future__ import annotations

import math

import pytest

from foundation.capacity import Capacity
from foundation.catalog import gpu_instance_type
from foundation.config import Season
from foundation.cost import CostKind, gpus_at, pool_nodes, region_cost
from foundation.machines import machine_shape
from foundation.naming import WORKER
from foundation.node_pools import plan_node_pools
from foundation.prices import REDIS_NODE_HOURLY, VALKEY_NODE_HOURLY, cache_node_hourly, instance_hourly
from foundation.quantities import cpu_millis, memory_bytes
from foundation.scheduling import GPU_RESOURCE, GPU_TAINT, SYSTEM_NODE_LABELS
from foundation.workload_cost import AI_CACHE, LEVELS, MODEL_SERVICES, PHOTO_WORKER, SHARED, region_cost_by_workload
from infra.cost_report import render_cost, render_cost_by_workload
from infra.offline.plan import Plan
from tests.conftest import REPO
from tests.wiring.cluster import clusters, top_level

EKS_NODE_GROUP, GKE_NODE_POOL = "aws:eks/nodeGroup:NodeGroup", "gcp:container/nodePool:NodePool"


@pytest.mark.parametrize("season", list(Season))
def test_the_shares_add_up_to_each_region_total(prod, staging, season: Season) -> None:
    for platform, _ in (prod, staging):
        for region in platform.regions:
            shares = region_cost_by_workload(platform, region, season)
            total = region_cost(platform, region, season)
            for level in LEVELS:
                assert math.isclose(sum(s.at(level) for s in shares), total.total(level), abs_tol=1e-9), region.id
                assert all(s.at(level) >= 0 for s in shares), (region.id, level)
            names = [s.workload for s in shares]
            queue = [w.name for w in platform.queue_workers if w.enabled]
            assert names == [PHOTO_WORKER, MODEL_SERVICES, *queue, AI_CACHE, SHARED]


def test_valkey_nodes_are_priced_20_percent_below_redis_oss() -> None:
    assert VALKEY_NODE_HOURLY.keys() == REDIS_NODE_HOURLY.keys()
    for node_type, redis in REDIS_NODE_HOURLY.items():
        assert math.isclose(VALKEY_NODE_HOURLY[node_type].usd, 0.8 * redis.usd, abs_tol=1e-4), node_type


def test_each_region_prices_every_node_of_its_cache_cluster(prod) -> None:
    """Seed 002's 3 primaries and 3 replicas: six billed nodes, at the same cost at every level."""
    platform, _ = prod
    cache = platform.cache
    assert cache is not None and cache.shards * (1 + cache.replicas_per_shard) == 6
    for region in platform.regions:
        (line,) = [line for line in region_cost(platform, region, platform.season).lines if line.kind is CostKind.CACHE]
        node_type = cache.aws_node_type if region.cloud.value == "aws" else cache.gcp_node_type
        expected = 6 * cache_node_hourly(region.cloud.value, node_type).usd
        assert line.at_min == line.at_desired == line.at_max == pytest.approx(expected)
        assert f"6 x {node_type}" in line.item


def test_the_preview_names_every_line_priced_from_a_figure_not_read_on_its_page(prod) -> None:
    platform, _ = prod
    (note,) = [line for line in render_cost(platform).splitlines() if line.lstrip().startswith("estimated prices")]
    estimated = {
        line.item
        for region in platform.regions
        for line in region_cost(platform, region, platform.season).lines
        if line.estimated
    }
    assert estimated and all(item in note for item in estimated)
    no_cache = platform.model_copy(update={"cache": None})
    assert "estimated prices" not in render_cost(no_cache)


def _gpu_pools_at_max(plan: Plan, region: str) -> tuple[float, int]:
    """The region's tainted GPU pools at their maxima, read from the plan: their hourly price and their GPUs."""
    owner = top_level(plan)
    price, gpus = 0.0, 0
    for group in plan.of_type(EKS_NODE_GROUP):
        if owner(group) == region and GPU_TAINT.is_on_node_pool(group.inputs.get("taints")):
            (instance_type,) = group.inputs["instanceTypes"]
            known = gpu_instance_type("aws", instance_type)
            assert known is not None
            nodes = group.inputs["scalingConfig"]["maxSize"]
            capacity = Capacity.from_eks(group.inputs["capacityType"])
            price += nodes * instance_hourly(instance_type, capacity).usd
            gpus += nodes * known.gpus
    for pool in plan.of_type(GKE_NODE_POOL):
        accelerators = pool.inputs["nodeConfig"].get("guestAccelerators") or []
        if owner(pool) == region and accelerators:
            nodes = pool.inputs["autoscaling"]["totalMaxNodeCount"]
            capacity = Capacity.from_gke(pool.inputs["nodeConfig"].get("spot"))
            price += nodes * instance_hourly(pool.inputs["nodeConfig"]["machineType"], capacity).usd
            gpus += nodes * sum(a["count"] for a in accelerators)
    return price, gpus


def test_model_services_pay_their_reserved_gpus_at_the_plans_gpu_pool_price(prod) -> None:
    """At max: the GPUs the model-service Deployments request at their HPA maxima, at the average price per GPU of
    the GPU node groups / pools in the plan; the photo worker pays the rest of those pools."""
    platform, plan = prod
    names = {s.name for s in platform.kubernetes.model_services}
    assert names, "prod serves the model services"
    by_id = {r.id: r for r in platform.regions}
    for region, cluster in clusters(plan, platform).items():
        hpas = {h["spec"]["scaleTargetRef"]["name"]: h["spec"] for h in cluster.of_kind("HorizontalPodAutoscaler")}
        reserved = 0
        for deployment in cluster.workloads(platform.kubernetes.namespace):
            name = deployment["metadata"]["name"]
            if name in names:
                (container,) = deployment["spec"]["template"]["spec"]["containers"]
                reserved += hpas[name]["maxReplicas"] * int(container["resources"]["requests"][GPU_RESOURCE])
        price, gpus = _gpu_pools_at_max(plan, region)
        shares = {s.workload: s for s in region_cost_by_workload(platform, by_id[region], platform.season)}
        assert reserved == 3 and gpus > reserved, region
        assert shares[MODEL_SERVICES].at_max == pytest.approx(reserved * price / gpus), region
        assert shares[PHOTO_WORKER].at_max == pytest.approx(price - reserved * price / gpus), region


def test_the_cache_tier_pays_its_cluster_and_its_pods_share_of_the_system_pool(prod) -> None:
    """At max: the cache service's HPA maximum x its container's requests, against the system node group's
    maximum x its machine (all read from the plan), as a share of that pool's line."""
    platform, plan = prod
    owner = top_level(plan)
    by_id = {r.id: r for r in platform.regions}
    for region, cluster in clusters(plan, platform).items():
        (rollout,) = [w for w in cluster.workloads() if w["metadata"]["name"] == "ai-cache-service"]
        pod = rollout["spec"]["template"]["spec"]
        assert pod["nodeSelector"] == SYSTEM_NODE_LABELS
        (container,) = pod["containers"]
        (hpa,) = [
            h
            for h in cluster.of_kind("HorizontalPodAutoscaler")
            if h["spec"]["scaleTargetRef"]["name"] == "ai-cache-service"
        ]
        pods = hpa["spec"]["maxReplicas"]
        (system,) = [
            p
            for p in [*plan.of_type(EKS_NODE_GROUP), *plan.of_type(GKE_NODE_POOL)]
            if owner(p) == region
            and (p.inputs.get("labels") or p.inputs.get("nodeConfig", {}).get("labels")) == SYSTEM_NODE_LABELS
        ]
        nodes = (
            system.inputs.get("scalingConfig", {}).get("maxSize") or system.inputs["autoscaling"]["totalMaxNodeCount"]
        )
        machine = (system.inputs.get("instanceTypes") or [system.inputs.get("nodeConfig", {}).get("machineType")])[0]
        shape = machine_shape(machine)
        share = max(
            pods * cpu_millis(container["resources"]["requests"]["cpu"]) / (nodes * shape.cpu_millis),
            pods * memory_bytes(container["resources"]["requests"]["memory"]) / (nodes * shape.memory_bytes),
        )
        lines = region_cost(platform, by_id[region], platform.season).lines
        (system_line,) = [line for line in lines if line.kind is CostKind.SYSTEM_POOL]
        (cache_line,) = [line for line in lines if line.kind is CostKind.CACHE]
        assert system_line.at_max == pytest.approx(nodes * instance_hourly(machine, Capacity.ON_DEMAND).usd)
        shares = {s.workload: s for s in region_cost_by_workload(platform, by_id[region], platform.season)}
        assert 0 < share < 1, region
        assert shares[AI_CACHE].at_max == pytest.approx(cache_line.at_max + share * system_line.at_max), region


def _row(text: str, heading: str, label: str) -> list[float]:
    """The numbers of one labelled row in the block under a heading of the rendered report."""
    block = text.split(heading, 1)[1]
    line = next(line for line in block.splitlines() if line.strip().startswith(label))
    return [float(cell.rstrip("%").replace(",", "")) for cell in line.strip().removeprefix(label).split()]


def test_the_preview_shows_each_workloads_share_and_the_same_region_totals(prod) -> None:
    platform, _ = prod
    text = render_cost(platform)
    for region in platform.regions:
        _, desired, at_max, *_ = _row(text, "min $/h", region.id)
        totals = _row(text, "Cost by workload at max capacity", "region total")
        assert totals[[r.id for r in platform.regions].index(region.id)] == pytest.approx(at_max, abs=0.011)
        desired_totals = _row(text, "Cost by workload at desired capacity", "region total")
        assert desired_totals[[r.id for r in platform.regions].index(region.id)] == pytest.approx(desired, abs=0.011)
    for name in (PHOTO_WORKER, MODEL_SERVICES, "pdf-analysis", AI_CACHE, SHARED):
        *per_region, total, share = _row(text, "Cost by workload at max capacity", name)
        assert len(per_region) == len(platform.regions) and total == pytest.approx(sum(per_region), abs=0.03)
        assert 0 < share < 100, name


def test_the_readme_shows_prods_cost_by_workload_as_the_preview_prints_it(prod) -> None:
    platform, _ = prod
    readme = (REPO / "README.md").read_text()
    start = readme.index("```\n  Cost by workload at desired") + len("```\n")
    shown = readme[start : readme.index("```", start)].rstrip("\n")
    assert shown == "\n".join(render_cost_by_workload(platform)), "README: paste prod's cost by workload again"


def test_min_and_desired_capacity_hold_every_gpu_pod_the_plan_never_scales_to_zero(prod, variant) -> None:
    """At min and desired size the cost counts the GPU nodes the autoscaler must add for the GPU pods that always
    run, read from the plan: model-service HPA minima x GPU requests, and the photo worker's KEDA minimum."""
    for platform, plan in (prod, variant("prod", lambda raw: raw.update(season="peak"))):
        by_id = {r.id: r for r in platform.regions}
        for region, cluster in clusters(plan, platform).items():
            hpas = {h["spec"]["scaleTargetRef"]["name"]: h["spec"] for h in cluster.of_kind("HorizontalPodAutoscaler")}
            always = sum(
                (scaler["spec"].get("minReplicaCount") or 0)
                for scaler in cluster.of_kind("ScaledObject")
                if scaler["spec"]["scaleTargetRef"]["name"] == WORKER
            )
            for deployment in cluster.workloads(platform.kubernetes.namespace):
                gpus = deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"].get(
                    GPU_RESOURCE
                )
                name = deployment["metadata"]["name"]
                if gpus and name in hpas:
                    always += hpas[name]["minReplicas"] * int(gpus)
            pools = plan_node_pools(platform, by_id[region])
            for level in ("at_min", "at_desired"):
                assert gpus_at(platform, pools, platform.season, level) >= always, (region, level)
                pool_gpus = sum(
                    pool_nodes(p, platform.season, level) * p.gpus_per_node for p in pools if p.gpus_per_node
                )
                if pool_gpus >= always:  # no node is added where the pools already hold them
                    assert gpus_at(platform, pools, platform.season, level) == pool_gpus, (region, level)
