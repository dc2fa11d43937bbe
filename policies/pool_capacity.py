"""Every workload's scaling bounds fit the node pools it runs on, read from the plan, cluster by cluster.

- GPUs: the pods that request GPUs (the photo worker at its KEDA maximum, each model service at its HPA maximum)
  ask for no more GPUs than the cluster's GPU pools hold at their maxima;
- CPU pools: the workloads that select a CPU pool by node selector (the cache service, the jobs API, the exporter
  and the reconciler on the system pool; each queue worker on its own pool) request no more CPU or memory at their
  autoscalers' maxima than the pool's machines hold at its maximum (foundation/machines.py).

A workload's most pods are its autoscaler's maximum (HPA maxReplicas, ScaledObject maxReplicaCount), else its
replicas, else one; a canary's brief doubling at full promotion is left to the namespace quota. Machines are
counted whole (no kubelet reservations, no add-on pods), so a violation here surely cannot be scheduled. Pools and
workloads join by cluster name (the EKS node group's clusterName, the GKE node pool's cluster, the Kubernetes
provider's clusterIdentifier). Where a value the check reads is still unknown in a real preview (a new cluster's
name), CrossGuard reports that it cannot run the policy, as an advisory (pulumi_policy/policy.py, UnknownValueError),
instead of judging on a guess.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from foundation.catalog import gpu_instance_type
from foundation.machines import UnknownMachine, machine_shape
from foundation.quantities import cpu_millis, memory_bytes
from foundation.scheduling import GPU_RESOURCE
from policies.build import Report, stack_policy
from policies.kubernetes import SCALERS, pod_spec
from policies.pool_spend import GKE_NODE_POOL, pool_max
from policies.resources import get

EKS_NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
DAEMON_SET = "kubernetes:apps/v1:DaemonSet"  # one pod per node: no count to fit
PARSE: dict[str, Callable[[str], int]] = {"cpu": cpu_millis, "memory": memory_bytes, GPU_RESOURCE: int}


@dataclass(frozen=True)
class Pool:
    """A node group or node pool: its cluster, labels, most nodes, machine type and GPUs per node."""

    urn: str
    cluster: str
    labels: Mapping[str, str]
    max_nodes: int
    machine_type: str
    gpus_per_node: int


@dataclass(frozen=True)
class Workload:
    """A pod template with its cluster, node selector, most pods and one pod's requests."""

    urn: str
    name: str
    cluster: str
    node_selector: Mapping[str, str]
    most_pods: int
    requests: Mapping[str, int]  # cpu (millicores), memory (bytes), GPUs

    def total(self, resource: str) -> int:
        return self.most_pods * self.requests[resource]


def _pool(resource: PolicyResource) -> Pool | None:
    props = resource.props
    machine, _, max_nodes = pool_max(resource.resource_type, props)
    if resource.resource_type == GKE_NODE_POOL:
        cluster = str(get(props, "cluster", default="")).rsplit("/", 1)[-1]
        labels = get(props, "nodeConfig", "labels", default={}) or {}
        gpus = sum(int(a.get("count", 0)) for a in get(props, "nodeConfig", "guestAccelerators", default=[]) or [])
    else:
        cluster = str(get(props, "clusterName", default=""))
        labels = get(props, "labels", default={}) or {}
        known = gpu_instance_type("aws", machine)
        gpus = known.gpus if known else 0
    return Pool(resource.urn, cluster, dict(labels), max_nodes, machine, gpus) if cluster else None


def pools(resources: Sequence[PolicyResource]) -> list[Pool]:
    """Every node group and node pool whose cluster is known."""
    found = (_pool(r) for r in resources if r.resource_type in (EKS_NODE_GROUP, GKE_NODE_POOL))
    return [p for p in found if p is not None]


def _requested(container: Mapping[str, Any], resource: str) -> int:
    return PARSE[resource](str(get(container, "resources", "requests", resource, default="0")))


def pod_requests(spec: Mapping[str, Any]) -> dict[str, int]:
    """A pod's effective requests (Kubernetes PodRequests: its containers together, or its largest init container
    if that asks for more)."""
    containers, inits = spec.get("containers") or [], spec.get("initContainers") or []
    return {
        resource: max(
            sum(_requested(c, resource) for c in containers), max([_requested(c, resource) for c in inits] or [0])
        )
        for resource in PARSE
    }


def workloads(resources: Sequence[PolicyResource]) -> list[Workload]:
    """Every pod template in the plan with its cluster and its most pods."""

    def key(r: PolicyResource, name: Any) -> tuple[Any, ...]:
        cluster = get(r.provider.props, "clusterIdentifier") if r.provider else None
        return cluster, get(r.props, "metadata", "namespace"), name

    most = {
        key(r, get(r.props, "spec", "scaleTargetRef", "name")): int(
            get(r.props, "spec", "maxReplicas", default=0) or get(r.props, "spec", "maxReplicaCount", default=0)
        )
        for r in resources
        if r.resource_type in SCALERS
    }
    found = []
    for r in resources:
        spec = pod_spec(r.resource_type, r.props)
        if spec is None or r.resource_type == DAEMON_SET:
            continue
        cluster, namespace, name = key(r, get(r.props, "metadata", "name"))
        if not cluster:
            continue
        pods = most.get((cluster, namespace, name)) or int(get(r.props, "spec", "replicas", default=1) or 1)
        selector = dict(spec.get("nodeSelector") or {})
        found.append(Workload(r.urn, f"{namespace}/{name}", str(cluster), selector, pods, pod_requests(spec)))
    return found


def _gpus_fit(args: StackValidationArgs, report: Report) -> None:
    all_pools, running = pools(args.resources), workloads(args.resources)
    for cluster in sorted({p.cluster for p in all_pools}):
        gpu_workloads = [w for w in running if w.cluster == cluster and w.requests[GPU_RESOURCE]]
        asked = sum(w.total(GPU_RESOURCE) for w in gpu_workloads)
        held = sum(p.max_nodes * p.gpus_per_node for p in all_pools if p.cluster == cluster)
        if asked > held:
            parts = ", ".join(f"{w.name} {w.most_pods} x {w.requests[GPU_RESOURCE]}" for w in gpu_workloads)
            largest = max(gpu_workloads, key=lambda w: w.total(GPU_RESOURCE))
            report(
                f"cluster {cluster}: GPU workloads at their maxima request {asked} GPUs ({parts}) but its GPU pools "
                f"hold {held} at their maxima",
                largest.urn,
            )


def _cpu_pools_fit(args: StackValidationArgs, report: Report) -> None:
    running = workloads(args.resources)
    for pool in pools(args.resources):
        if pool.gpus_per_node:
            continue
        on_pool = [
            w
            for w in running
            if w.cluster == pool.cluster
            and w.node_selector
            and all(pool.labels.get(k) == v for k, v in w.node_selector.items())
        ]
        if not on_pool:
            continue
        try:
            shape = machine_shape(pool.machine_type)
        except UnknownMachine as exc:
            report(f"{exc}: the pool's capacity cannot be checked", pool.urn)
            continue
        for resource, holds in (("cpu", shape.cpu_millis), ("memory", shape.memory_bytes)):
            asked, held = sum(w.total(resource) for w in on_pool), pool.max_nodes * holds
            if asked > held:
                largest = max(on_pool, key=lambda w: w.total(resource))
                report(
                    f"cluster {pool.cluster}: the workloads selecting pool {dict(pool.labels)} request {resource} "
                    f"{asked / held:.0%} of its {pool.max_nodes} x {pool.machine_type} at their maxima (largest: "
                    f"{largest.name}, {largest.most_pods} pods)",
                    pool.urn,
                )


POLICIES = [
    stack_policy(
        "gpu-workloads-fit-gpu-pools",
        "GPU workloads at their autoscalers' maxima (photo worker KEDA, model-service HPAs) request no more GPUs "
        "than their cluster's GPU pools hold at their maxima.",
        _gpus_fit,
        "Raise the GPU pools' max_size, or lower kubernetes.model_services[].autoscale.max_replicas or the season's "
        "worker_max_replicas (the photo worker's cap is computed from the pools less the model services' reservation).",
        severity=Severity.HIGH,
    ),
    stack_policy(
        "workloads-fit-cpu-pools",
        "The workloads selecting a CPU node pool (system pool, a queue worker's pool) request no more CPU or memory "
        "at their autoscalers' maxima than the pool's machines hold at its maximum.",
        _cpu_pools_fit,
        "Raise the pool's max_size or machine type, or lower the workloads' autoscale.max_replicas or requests.",
        severity=Severity.HIGH,
    ),
]
