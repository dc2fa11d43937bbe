"""What a workload may run at once (its footprint), and the GPUs the model services reserve: the namespace
quota, the photo worker's cap, the cost by workload and the tests all read these definitions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from foundation.config import ModelService, Resources


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
