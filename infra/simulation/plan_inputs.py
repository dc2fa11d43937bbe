"""What the simulation reads from the plan: each region's worker ScaledObject, worker Deployment and GPU pools."""

from __future__ import annotations

from typing import Any

from foundation.capacity import Capacity
from foundation.catalog import gpu_instance_type
from foundation.naming import WORKER
from foundation.prices import instance_hourly
from foundation.scheduling import GPU_MODEL_LABEL, GPU_RESOURCE
from infra.offline.monitor import Registration
from infra.offline.plan import Plan
from infra.simulation.model import Pool, Scaler

REGION_TYPES = ("wedsync:aws:Region", "wedsync:gcp:Region")
SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
GKE_NODE_POOL = "gcp:container/nodePool:NodePool"
SATURDAY = "6"  # cron's day-of-week field


def home_region(plan: Plan, resource: Registration) -> str | None:
    """The name of the regional component a resource belongs to (its region id)."""
    for component_type in REGION_TYPES:
        region = plan.ancestor_of_type(resource, component_type)
        if region is not None:
            return region.name
    return None


def _in_region(plan: Plan, resource_type: str, region: str) -> list[Registration]:
    return [r for r in plan.of_type(resource_type) if home_region(plan, r) == region]


def _worker_object(plan: Plan, resource_type: str, region: str) -> dict[str, Any]:
    for resource in _in_region(plan, resource_type, region):
        if resource.inputs.get("metadata", {}).get("name") == WORKER:
            return resource.inputs
    raise LookupError(f"the plan has no {resource_type.rsplit(':', 1)[-1]} {WORKER!r} in {region}")


def _seconds_of_day(cron: str) -> int:
    minute, hour, *_ = cron.split()
    return int(hour) * 3600 + int(minute) * 60


def worker_scaler(plan: Plan, region: str) -> Scaler:
    """The worker's ScaledObject: polling, bounds, lagCount, and the Saturday cron pre-scale (local time)."""
    spec = _worker_object(plan, SCALED_OBJECT, region)["spec"]
    triggers = spec["triggers"]
    lag = next(int(t["metadata"]["lagCount"]) for t in triggers if "lagCount" in t.get("metadata", {}))
    cron = next((t["metadata"] for t in triggers if t["type"] == "cron"), None)
    on_saturday = cron is not None and cron["start"].split()[4] == SATURDAY
    return Scaler(
        polling_seconds=int(spec["pollingInterval"]),
        min_replicas=int(spec["minReplicaCount"]),
        max_replicas=int(spec["maxReplicaCount"]),
        lag_target=lag,
        prescale_replicas=int(cron["desiredReplicas"]) if on_saturday and cron else 0,
        prescale_start=_seconds_of_day(cron["start"]) if on_saturday and cron else 0,
        prescale_end=_seconds_of_day(cron["end"]) if on_saturday and cron else 0,
    )


def worker_gpus(plan: Plan, region: str) -> int:
    """GPUs each worker pod requests (its Deployment's container limits)."""
    containers = _worker_object(plan, DEPLOYMENT, region)["spec"]["template"]["spec"]["containers"]
    return sum(int(c.get("resources", {}).get("limits", {}).get(GPU_RESOURCE, 0)) for c in containers)


def _eks_pool(group: Registration) -> tuple[str, Pool]:
    inputs, sizes = group.inputs, group.inputs["scalingConfig"]
    instance = inputs["instanceTypes"][0]
    facts = gpu_instance_type("aws", instance)
    capacity = Capacity.SPOT if inputs.get("capacityType") == "SPOT" else Capacity.ON_DEMAND
    pool = Pool(
        inputs["nodeGroupName"],
        sizes["minSize"],
        sizes["desiredSize"],
        sizes["maxSize"],
        facts.gpus if facts else 0,
        instance_hourly(instance, capacity).usd,
        capacity is Capacity.SPOT,
    )
    return inputs["labels"][GPU_MODEL_LABEL], pool


def _gke_pool(node_pool: Registration) -> tuple[str, Pool]:
    inputs, config = node_pool.inputs, node_pool.inputs["nodeConfig"]
    sizes = inputs["autoscaling"]
    capacity = Capacity.SPOT if config.get("spot") else Capacity.ON_DEMAND
    fewest = sizes["totalMinNodeCount"]
    pool = Pool(
        inputs["name"],
        fewest,
        max(inputs.get("initialNodeCount") or 0, fewest),
        sizes["totalMaxNodeCount"],
        sum(int(a["count"]) for a in config["guestAccelerators"]),
        instance_hourly(config["machineType"], capacity).usd,
        capacity is Capacity.SPOT,
    )
    return config["labels"][GPU_MODEL_LABEL], pool


def gpu_pools(plan: Plan, region: str) -> list[tuple[str, Pool]]:
    """The region's GPU pools, each with its GPU model: on-demand pools first, then by name."""
    eks = [_eks_pool(g) for g in _in_region(plan, EKS_NODE_GROUP, region) if GPU_MODEL_LABEL in g.inputs["labels"]]
    gke = [
        _gke_pool(p)
        for p in _in_region(plan, GKE_NODE_POOL, region)
        if GPU_MODEL_LABEL in p.inputs["nodeConfig"].get("labels", {})
    ]
    return sorted(eks + gke, key=lambda found: (found[1].spot, found[1].name))


def region_ids(plan: Plan) -> list[str]:
    """The plan's regions in registration (config) order."""
    return [r.name for r in plan.resources if r.type in REGION_TYPES]
