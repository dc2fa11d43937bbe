"""Resource quantities add up exactly as Kubernetes reads them."""

from __future__ import annotations

import pytest

from foundation.quantities import cpu_millis, format_cpu, format_memory, memory_bytes


@pytest.mark.parametrize(("text", "millis"), [("250m", 250), ("4", 4000), ("0.5", 500), ("2", 2000)])
def test_cpu(text: str, millis: int) -> None:
    assert cpu_millis(text) == millis
    assert cpu_millis(format_cpu(millis)) == millis


@pytest.mark.parametrize(("text", "size"), [("128Mi", 128 * 2**20), ("16Gi", 16 * 2**30), ("1.5Gi", 3 * 2**29)])
def test_memory(text: str, size: int) -> None:
    assert memory_bytes(text) == size
    assert memory_bytes(format_memory(size)) == size


def test_formats_pick_the_exact_unit() -> None:
    assert (format_cpu(4100), format_cpu(8000)) == ("4100m", "8")
    assert (format_memory(16 * 2**30 + 128 * 2**20), format_memory(2**30)) == ("16512Mi", "1Gi")
