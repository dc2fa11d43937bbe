"""The namespace's ResourceQuota, derived from what its workloads may run at once.

Each workload states its footprint: the most pods it can have (autoscaler maximum plus rollout surge) and
what each pod's own containers request and are limited to. Every pod also carries the injected Istio proxy
(components/kubernetes/istio.py PROXY_RESOURCES). The quota is the sum, so it never refuses a pod an autoscaler
asks for, and refuses anything beyond.
"""

from __future__ import annotations

from collections.abc import Iterable

from components.kubernetes.istio import PROXY_RESOURCES
from foundation.config import Quota
from foundation.footprints import Footprint
from foundation.quantities import cpu_millis, format_cpu, format_memory, memory_bytes
from foundation.scheduling import GPU_RESOURCE


def quota_hard(footprints: Iterable[Footprint], quota: Quota) -> dict[str, str]:
    """`spec.hard` of the namespace's ResourceQuota."""
    totals = {"requests.cpu": 0, "requests.memory": 0, "limits.cpu": 0, "limits.memory": 0, "gpus": 0}
    for footprint in footprints:
        for resources in (footprint.resources, PROXY_RESOURCES):
            totals["requests.cpu"] += footprint.pods * cpu_millis(resources.cpu_request)
            totals["requests.memory"] += footprint.pods * memory_bytes(resources.memory_request)
            totals["limits.cpu"] += footprint.pods * cpu_millis(resources.cpu_limit)
            totals["limits.memory"] += footprint.pods * memory_bytes(resources.memory_limit)
        totals["gpus"] += footprint.pods * footprint.gpus
    return {
        "requests.cpu": format_cpu(totals["requests.cpu"]),
        "requests.memory": format_memory(totals["requests.memory"]),
        f"requests.{GPU_RESOURCE}": str(totals["gpus"]),
        "limits.cpu": format_cpu(totals["limits.cpu"]),
        "limits.memory": format_memory(totals["limits.memory"]),
        "persistentvolumeclaims": str(quota.persistent_volume_claims),
        "services.loadbalancers": str(quota.load_balancers),
    }
