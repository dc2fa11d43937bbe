"""Autoscaling that cannot strand work or ask for the impossible, read from the plan: a worker stays while a job
is pending, no autoscaler asks for more GPUs than the region's pools hold, the namespace quota admits every
workload at its maximum (sidecars included), and no autoscaled Deployment sets `replicas`."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from components.kubernetes.queue_worker import BATCH_SIZE_ENV, GROUP_ENV, STREAM_ENV
from foundation.catalog import gpu_instance_type
from foundation.quantities import cpu_millis, memory_bytes
from foundation.scheduling import GPU_RESOURCE, GPU_TAINT, QUEUE_POOL_LABEL
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


@dataclass(frozen=True)
class QueueWorker:
    """A Deployment KEDA scales, with the stream, group and batch its container reads (the GPU worker's from
    its parsed command line, a config-defined worker's from its environment contract)."""

    scaler: dict[str, Any]
    deployment: dict[str, Any]

    @property
    def container(self) -> dict[str, Any]:
        (container,) = self.deployment["spec"]["template"]["spec"]["containers"]
        return container

    def queue(self) -> tuple[str, str, int]:
        if self.container.get("args"):
            worker = build_parser().parse_args(self.container["args"])
            return worker.stream, worker.group, worker.batch_size
        env = {e["name"]: e.get("value") for e in self.container["env"]}
        return env[STREAM_ENV], env[GROUP_ENV], int(env[BATCH_SIZE_ENV])


def _workers(cluster: Cluster) -> list[QueueWorker]:
    """Every queue worker of the cluster: each ScaledObject and the Deployment it scales."""
    found = [
        QueueWorker(scaled["spec"], cluster.named("Deployment", scaled["spec"]["scaleTargetRef"]["name"], namespace))
        for scaled in cluster.of_kind("ScaledObject")
        for namespace in [scaled["metadata"]["namespace"]]
    ]
    assert found, f"{cluster.region}: no queue worker"
    return found


def _worker_namespaces(platform: Any) -> list[str]:
    return [platform.kubernetes.namespace, *(w.namespace for w in platform.queue_workers if w.enabled)]


def test_a_worker_stays_while_any_job_is_pending(prod) -> None:
    """KEDA's redis-streams scaler has one mode per trigger: with a consumer group and lagCount it counts unread
    entries only; without lagCount it counts the group's pending entries (keda v2.17.2
    pkg/scalers/redis_streams_scaler.go), active above activationLagCount (default 0). Every queue worker's
    triggers name its own stream and group."""
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        workers = _workers(cluster)
        assert len(workers) == 1 + len([w for w in platform.queue_workers if w.enabled]), region
        for worker in workers:
            stream, group, batch_size = worker.queue()
            streams = [t["metadata"] for t in worker.scaler["triggers"] if t["type"] == "redis-streams"]
            assert {(t["stream"], t["consumerGroup"]) for t in streams} == {(stream, group)}, region
            pending = [t for t in streams if "lagCount" not in t]
            assert pending, f"{region}: no trigger counts the group's pending entries"
            (trigger,) = pending
            assert int(trigger.get("activationLagCount", "0")) == 0, "active from the first pending entry"
            # A worker holds at most one batch pending: N busy workers keep N replicas, never more.
            assert int(trigger["pendingEntriesCount"]) == batch_size, region


def test_queue_workers_read_different_streams(prod) -> None:
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        queues = [worker.queue()[:2] for worker in _workers(cluster)]
        assert len({stream for stream, _ in queues}) == len(queues), f"{region}: two workloads share a stream"


def test_no_autoscaler_asks_for_more_gpus_than_the_pools_hold(stack) -> None:
    platform, plan = stack
    capacity = _gpu_capacity(plan, {r.id for r in platform.regions})
    for region, cluster in clusters(plan, platform).items():
        for worker in _workers(cluster):
            spec = worker.scaler
            per_pod = int(worker.container["resources"]["requests"].get(GPU_RESOURCE, "0"))
            asked = [spec["maxReplicaCount"], spec["minReplicaCount"]]
            asked += [int(t["metadata"]["desiredReplicas"]) for t in spec["triggers"] if t["type"] == "cron"]
            assert spec["minReplicaCount"] <= spec["maxReplicaCount"], region
            assert max(asked) * per_pod <= capacity[region], f"{region}: {asked} x {per_pod} GPU > {capacity[region]}"


def _queue_pool_nodes(plan: Plan, region: str, workload: str) -> int:
    """Most nodes of the pool labelled for `workload` in a region (EKS node group or GKE node pool)."""
    owner = top_level(plan)
    most = 0
    for group in plan.of_type("aws:eks/nodeGroup:NodeGroup"):
        if owner(group) == region and (group.inputs.get("labels") or {}).get(QUEUE_POOL_LABEL) == workload:
            assert not group.inputs.get("taints"), "a queue pool is untainted"
            most += group.inputs["scalingConfig"]["maxSize"]
    for pool in plan.of_type("gcp:container/nodePool:NodePool"):
        labels = pool.inputs["nodeConfig"].get("labels") or {}
        if owner(pool) == region and labels.get(QUEUE_POOL_LABEL) == workload:
            assert not pool.inputs["nodeConfig"].get("guestAccelerators"), "a queue pool has no GPUs"
            most += pool.inputs["autoscaling"]["totalMaxNodeCount"]
    return most


def test_cpu_workers_fit_their_own_pool(stack) -> None:
    """Each config-defined worker selects its own pool's nodes, and its maximum (and pre-scale) fits the pool at
    its maximum: nodes from the plan, pods per node from the workload's config."""
    platform, plan = stack
    by_name = {w.name: w for w in platform.queue_workers}
    checked = 0
    for region, cluster in clusters(plan, platform).items():
        for worker in _workers(cluster):
            selector = worker.deployment["spec"]["template"]["spec"].get("nodeSelector") or {}
            if QUEUE_POOL_LABEL not in selector:
                continue
            config = by_name[selector[QUEUE_POOL_LABEL]]
            holds = _queue_pool_nodes(plan, region, config.name) * config.node_pool.pods_per_node
            spec = worker.scaler
            crons = [int(t["metadata"]["desiredReplicas"]) for t in spec["triggers"] if t["type"] == "cron"]
            assert 0 < max([spec["maxReplicaCount"], *crons]) <= holds, f"{region} {config.name}: pool holds {holds}"
            assert spec["maxReplicaCount"] == min(config.bounds(platform.season).max_replicas, holds), region
            checked += 1
    assert checked == len(platform.regions) * len([w for w in platform.queue_workers if w.enabled])


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
        for namespace in _worker_namespaces(platform):
            (quota,) = cluster.of_kind("ResourceQuota", namespace)
            hard = quota["spec"]["hard"]
            needed: dict[str, int] = {}
            for deployment in cluster.workloads(namespace):
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
            assert short == {}, f"{region} {namespace}: quota vs what the workloads may request at their maxima"


def test_autoscaled_deployments_leave_replicas_to_their_autoscaler(prod) -> None:
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        targets = {s["spec"]["scaleTargetRef"]["name"] for kind in NAMESPACE_KINDS for s in cluster.of_kind(kind)}
        cache_service = 1 if platform.cache else 0
        queue_workers = len([w for w in platform.queue_workers if w.enabled])
        assert len(targets) == 2 + len(platform.kubernetes.model_services) + cache_service + queue_workers, region
        workloads = {w["metadata"]["name"]: w for w in cluster.workloads()}
        pinned = [name for name in targets if "replicas" in workloads[name]["spec"]]
        assert pinned == [], f"{region}: an `up` would reset their autoscalers"
