"""How a node pool buys its machines, and how each cloud spells it."""

from __future__ import annotations

from enum import StrEnum


class Capacity(StrEnum):
    """On-demand or spot (preemptible) nodes."""

    ON_DEMAND = "on_demand"
    SPOT = "spot"

    @property
    def eks_capacity_type(self) -> str:
        """`capacityType` of an EKS managed node group."""
        return "SPOT" if self is Capacity.SPOT else "ON_DEMAND"

    @property
    def gke_spot(self) -> bool:
        """`nodeConfig.spot` of a GKE node pool."""
        return self is Capacity.SPOT

    @classmethod
    def from_eks(cls, capacity_type: object) -> Capacity:
        """Read an EKS node group's `capacityType` (unset means on-demand)."""
        return cls.SPOT if capacity_type == "SPOT" else cls.ON_DEMAND

    @classmethod
    def from_gke(cls, spot: object) -> Capacity:
        """Read a GKE node pool's `nodeConfig.spot`."""
        return cls.SPOT if spot is True else cls.ON_DEMAND
