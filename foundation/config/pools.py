"""Node pools of a region: the system pool and the GPU pools."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from foundation.capacity import Capacity
from foundation.config.base import LabelValue, Model, NonNegativeInt, PositiveInt, Slug
from foundation.config.problems import raise_if_any
from foundation.scheduling import Taint


class NodePoolSize(Model):
    """Bounds of an autoscaled node pool: min <= desired <= max."""

    min_size: NonNegativeInt = Field(description="Fewest nodes the autoscaler keeps")
    desired_size: NonNegativeInt = Field(description="Nodes at creation; the cluster autoscaler owns it afterwards")
    max_size: PositiveInt = Field(description="Most nodes at peak; GPU pools are cut to the season's fraction")

    @model_validator(mode="after")
    def _bounds_are_ordered(self) -> NodePoolSize:
        problems = []
        if self.max_size < self.min_size:
            problems.append((("max_size",), f"must be >= min_size (got {self.max_size} < {self.min_size})"))
        elif not self.min_size <= self.desired_size <= self.max_size:
            problems.append(
                (
                    ("desired_size",),
                    f"must lie between min_size and max_size "
                    f"(got {self.desired_size}, bounds {self.min_size}..{self.max_size})",
                )
            )
        raise_if_any(problems)
        return self


class SystemPool(NodePoolSize):
    """The CPU pool for cluster add-ons and the jobs API."""

    instance_type: str = Field(description="EC2 instance type (AWS) or machine type (GCP), e.g. m6i.large")
    disk_gb: Annotated[int, Field(ge=20, le=2000)] = Field(100, description="Root disk size in GB")


class GpuPool(NodePoolSize):
    """A GPU node pool; always carries the shared GPU taint, plus any `taints` listed here."""

    name: Slug = Field(description="Pool name, unique in its region (node group `gpu-<name>`)")
    instance_type: str = Field(description="GPU instance type (AWS, e.g. g6.2xlarge) or machine type (GCP)")
    gpu_model: str = Field(description="The GPU the type carries, as the catalog names it (e.g. l4, a100-80gb)")
    gpus_per_node: PositiveInt = Field(description="GPUs per node; must match the catalog for the type")
    capacity: Capacity = Field(Capacity.ON_DEMAND, description="on_demand or spot nodes")
    labels: dict[str, LabelValue] = Field(default_factory=dict, description="Extra node labels")
    taints: tuple[Taint, ...] = Field((), description="Extra taints besides the shared GPU taint")
    disk_gb: Annotated[int, Field(ge=50, le=4000)] = Field(200, description="Root disk size in GB")
