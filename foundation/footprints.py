"""What a workload may run at once (its footprint), and the GPUs the model services reserve: the namespace
quota, the photo worker's cap, the cost by workload and the tests all read these definitions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from foundation.config import ModelService, Resources, SeasonProfile

WORKER_GPUS = 1  # GPUs each photo worker pod requests


@dataclass(frozen=True)
class Footprint:
    """The most pods of a workload at once, and each pod's containers' resources (one container each)."""

    pods: int
    resources: Resources
    gpus: int = 0


def model_footprint(service: ModelService) -> Footprint:
    """Most pods at once: the HPA's maximum (GPU pods roll without surge), each with its GPUs."""
    return Footprint(pods=service.autoscale.max_replicas, resources=service.resources, gpus=service.gpus)


def reserved_gpus(services: Iterable[ModelService]) -> int:
    """GPUs the model services may hold at once, carved out of a region's GPU pools before the photo worker's."""
    return sum(f.pods * f.gpus for f in map(model_footprint, services))


def model_min_gpus(services: Iterable[ModelService]) -> int:
    """GPUs the model services hold at their HPA minima: always running."""
    return sum(s.autoscale.min_replicas * s.gpus for s in services)


def worker_replica_bounds(season: SeasonProfile, gpu_capacity: int) -> tuple[int, int]:
    """KEDA's fewest and most photo workers: the season's, capped by `gpu_capacity`, the GPUs the region's pools
    hold at their maxima less the model services' reservation."""
    if gpu_capacity < WORKER_GPUS:
        raise ValueError(
            f"the region's GPU pools leave {gpu_capacity} GPUs for the photo worker after the model services'"
            " reservation (kubernetes.model_services[].autoscale.max_replicas x gpus): raise gpu_pools[].max_size"
        )
    most = min(season.worker_max_replicas, gpu_capacity // WORKER_GPUS)
    return min(season.worker_min_replicas, most), most
