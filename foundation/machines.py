"""vCPUs and memory of the CPU machine types the node pools use: how much a pool holds, for the capacity policy
and for a workload's share of a pool in the cost by workload.

The machine's own size, not what the kubelet leaves allocatable (reservations, DaemonSets and add-ons take their
part), so a workload set that does not fit these figures surely does not fit the pool."""

from __future__ import annotations

from dataclasses import dataclass

RECORDED = "2026-11-29"
AWS_M6I = "https://aws.amazon.com/ec2/instance-types/m6i/ (instance sizes)"
GCP_E2 = "https://cloud.google.com/compute/docs/general-purpose-machines#e2_machine_types (e2-standard)"
GIB = 1024**3


@dataclass(frozen=True)
class MachineShape:
    """One machine type's vCPUs and memory, with where and when they were recorded."""

    vcpus: int
    memory_gib: int
    source: str
    recorded: str = RECORDED

    @property
    def cpu_millis(self) -> int:
        return self.vcpus * 1000

    @property
    def memory_bytes(self) -> int:
        return self.memory_gib * GIB


MACHINE_SHAPES: dict[str, MachineShape] = {
    "m6i.large": MachineShape(2, 8, AWS_M6I),
    "m6i.xlarge": MachineShape(4, 16, AWS_M6I),
    "m6i.2xlarge": MachineShape(8, 32, AWS_M6I),
    "e2-standard-4": MachineShape(4, 16, GCP_E2),
    "e2-standard-8": MachineShape(8, 32, GCP_E2),
}


class UnknownMachine(KeyError):
    """No shape is recorded for a machine type; add it to MACHINE_SHAPES with its source."""


def machine_shape(machine_type: str) -> MachineShape:
    shape = MACHINE_SHAPES.get(machine_type)
    if shape is None:
        raise UnknownMachine(f"no vCPU/memory recorded for {machine_type} in foundation/machines.py")
    return shape
