"""Autoscaling that cannot strand work or ask for the impossible, read from the plan: a worker stays while a job
is pending, no autoscaler asks for more GPUs than the region's pools hold, the namespace quota admits every
workload at its maximum (sidecars included), and no autoscaled Deployment sets `replicas`."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from foundation.catalog import gpu_instance_type
from foundation.quantities import cpu_millis, memory_bytes
from foundation.scheduling import GPU_RESOURCE, GPU_TAINT
from gpu_worker.cli import build_parser
from infra.offline.plan import Plan
from tests.conftest import build_plan, shipped_raw
from tests.wiring.cluster import Cluster, clusters, top_level
from tests.wiring.injection import injected_in

NAMESPACE_KINDS = ("HorizontalPodAutoscaler", "ScaledObject")


@pytest.fixture(scope="module")
def peak():
    """The prod stack in the peak season (the largest autoscaler maxima)."""
    raw = shipped_raw("prod")
    raw["season"] = "peak"
    return build_plan(raw, "prod")


@pytest.fixture(scope="module", params=["prod", "peak"])
def stack(request, prod, peak):
    return prod if request.param == "prod" else peak


def _gpu_capacity(plan: Plan, region_ids: set[str]) -> dict[str, int]:
    """GPUs each region's tainted GPU pools hold at their maxima, from the node groups and pools in the plan."""
    owner = top_level(plan)
    capacity = dict.fromkeys(region_ids, 0)
    for group in plan.of_type("aws:eks/nodeGroup:NodeGroup"):
        if GPU_TAINT.is_on_node_pool(group.inputs.get("taints")):
            (name,) = group.inputs["instanceTypes"]
            instance = gpu_instance_type("aws", name)
            assert instance is not None, f"{name} is in the GPU catalog"
            capacity[owner(group)] += group.inputs["scalingConfig"]["maxSize"] * instance.gpus
    for pool in plan.of_type("gcp:container/nodePool:NodePool"):
        accelerators = pool.inputs["nodeConfig"].get("guestAccelerators") or []
        if accelerators:
            per_node = sum(a["count"] for a in accelerators)
            capacity[owner(pool)] += pool.inputs["autoscaling"]["totalMaxNodeCount"] * per_node
    return capacity


def _worker(cluster: Cluster) -> tuple[dict[str, Any], dict[str, Any]]:
    (scaled,) = cluster.of_kind("ScaledObject")
    deployment = cluster.named("Deployment", scaled["spec"]["scaleTargetRef"]["name"])
    return scaled["spec"], deployment


def test_a_worker_stays_while_any_job_is_pending(prod) -> None:
    """KEDA's redis-streams scaler has one mode per trigger: with a consumer group and lagCount it counts unread
    entries only; without lagCount it counts the group's pending entries (keda v2.17.2
    pkg/scalers/redis_streams_scaler.go), active above activationLagCount (default 0)."""
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        spec, deployment = _worker(cluster)
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        worker = build_parser().parse_args(container["args"])
        streams = [t["metadata"] for t in spec["triggers"] if t["type"] == "redis-streams"]
        pending = [
            t
            for t in streams
            if "lagCount" not in t and t.get("consumerGroup") == worker.group and t["stream"] == worker.stream
        ]
        assert pending, f"{region}: no trigger counts the group's pending entries"
        (trigger,) = pending
        assert int(trigger.get("activationLagCount", "0")) == 0, "active from the first pending entry"
        # A worker holds at most one batch pending: N busy workers keep N replicas, never more.
        assert int(trigger["pendingEntriesCount"]) == worker.batch_size, region


def test_no_autoscaler_asks_for_more_gpus_than_the_pools_hold(stack) -> None:
    platform, plan = stack
    capacity = _gpu_capacity(plan, {r.id for r in platform.regions})
    for region, cluster in clusters(plan, platform).items():
        spec, deployment = _worker(cluster)
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        per_pod = int(container["resources"]["requests"][GPU_RESOURCE])
        asked = [spec["maxReplicaCount"], spec["minReplicaCount"]]
        asked += [int(t["metadata"]["desiredReplicas"]) for t in spec["triggers"] if t["type"] == "cron"]
        assert spec["minReplicaCount"] <= spec["maxReplicaCount"], region
        assert max(asked) * per_pod <= capacity[region], f"{region}: {asked} pods x {per_pod} GPU > {capacity[region]}"


def _max_pods(cluster: Cluster, deployment: dict[str, Any]) -> int:
    """The most pods a Deployment can have: its autoscaler's maximum (or replicas) plus its rollout surge."""
    name = deployment["metadata"]["name"]
    most = deployment["spec"].get("replicas", 1)
    for kind in NAMESPACE_KINDS:
        for scaler in cluster.of_kind(kind):
            if scaler["spec"]["scaleTargetRef"]["name"] == name:
                most = scaler["spec"].get("maxReplicas", scaler["spec"].get("maxReplicaCount"))
    rolling = deployment["spec"].get("strategy", {}).get("rollingUpdate", {})
    surge = rolling.get("maxSurge", "25%")
    extra = math.ceil(most * int(surge[:-1]) / 100) if isinstance(surge, str) else surge
    return most + extra


def _pod_resources(pod: dict[str, Any]) -> dict[str, int]:
    """A pod's effective requests and limits (Kubernetes PodRequests: app containers plus native sidecars, or
    the largest ordinary init container if that is more)."""
    sidecars = [c for c in pod.get("initContainers", []) if c.get("restartPolicy") == "Always"]
    ordinary = [c for c in pod.get("initContainers", []) if c.get("restartPolicy") != "Always"]
    total: dict[str, int] = {}
    for kind in ("requests", "limits"):
        for resource, parse in (("cpu", cpu_millis), ("memory", memory_bytes), (GPU_RESOURCE, int)):
            running = sum(parse(c["resources"].get(kind, {}).get(resource, "0")) for c in pod["containers"] + sidecars)
            init = max([parse(c["resources"].get(kind, {}).get(resource, "0")) for c in ordinary] or [0])
            total[f"{kind}.{resource}"] = max(running, init)
    return total


def test_the_namespace_quota_admits_every_workload_at_its_maximum(stack) -> None:
    platform, plan = stack
    for region, cluster in clusters(plan, platform).items():
        for quota in cluster.of_kind("ResourceQuota", platform.kubernetes.namespace):
            hard = quota["spec"]["hard"]
            needed: dict[str, int] = {}
            for deployment in cluster.workloads(platform.kubernetes.namespace):
                pod = injected_in(cluster, deployment["spec"]["template"])
                for key, amount in _pod_resources(pod).items():
                    needed[key] = needed.get(key, 0) + amount * _max_pods(cluster, deployment)
            parse: dict[str, Callable[[str], int]] = {"cpu": cpu_millis, "memory": memory_bytes, GPU_RESOURCE: int}
            short = {
                key: (hard.get(key), amount)
                for key, amount in needed.items()
                if amount
                and key != f"limits.{GPU_RESOURCE}"
                and parse[key.split(".", 1)[1]](hard.get(key, "0")) < amount
            }
            assert short == {}, f"{region}: quota vs what the workloads may request at their maxima"


def test_autoscaled_deployments_leave_replicas_to_their_autoscaler(prod) -> None:
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        targets = {s["spec"]["scaleTargetRef"]["name"] for kind in NAMESPACE_KINDS for s in cluster.of_kind(kind)}
        cache_service = 1 if platform.cache else 0
        assert len(targets) == 2 + len(platform.kubernetes.model_services) + cache_service, region
        workloads = {w["metadata"]["name"]: w for w in cluster.workloads(platform.kubernetes.namespace)}
        pinned = [name for name in targets if "replicas" in workloads[name]["spec"]]
        assert pinned == [], f"{region}: an `up` would reset their autoscalers"
