"""Kubernetes resource quantities as integers, for sums: CPU in millicores, memory in bytes.

Only the spellings the config allows (`foundation.config.kubernetes.Quantity`): a plain or decimal number,
`m` for CPU, and the binary suffixes Ki, Mi, Gi, Ti for memory.
"""

from __future__ import annotations

from decimal import Decimal

BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def cpu_millis(quantity: str) -> int:
    """`250m` -> 250, `4` -> 4000, `0.5` -> 500."""
    if quantity.endswith("m"):
        return int(Decimal(quantity[:-1]))
    return int(Decimal(quantity) * 1000)


def memory_bytes(quantity: str) -> int:
    """`256Mi` -> 268435456, `16Gi` -> 17179869184, `1000` -> 1000."""
    for suffix, factor in BINARY.items():
        if quantity.endswith(suffix):
            return int(Decimal(quantity[: -len(suffix)]) * factor)
    return int(Decimal(quantity))


def format_cpu(millis: int) -> str:
    """Whole cores where exact (`4`), else millicores (`4100m`)."""
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def format_memory(size: int) -> str:
    """The largest binary unit that states the size exactly (`17Gi`, `16512Mi`)."""
    for suffix, factor in reversed(BINARY.items()):
        if size % factor == 0:
            return f"{size // factor}{suffix}"
    return str(size)
