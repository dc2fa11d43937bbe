"""Per-GPU photo rates, read from the bound row of docs/benchmarks.md's GPU table.

The row reads, per GPU column, e.g. "about 20-40 photos/s for JPEG (...), 10-40 for RAW (...)". The simulation
takes the low end of each range: the figures are estimates, and the low end is the one a promise may rest on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"
BOUND_ROW = "**Bound (estimate)**"
_JPEG = re.compile(r"(\d+)-(\d+) photos/s for JPEG")
_RAW = re.compile(r"(\d+)-(\d+) for RAW")


class BenchmarkError(ValueError):
    """docs/benchmarks.md has no usable figure for a GPU model."""


@dataclass(frozen=True)
class GpuRate:
    """Photos per second one GPU of a model processes, and whether the document calls it an estimate."""

    gpu_model: str
    jpeg_per_second: float
    raw_per_second: float
    estimate: bool

    def seconds_per_photo(self, raw_share: float) -> float:
        """Mean GPU-seconds per photo of a gallery with this share of RAW files."""
        return (1 - raw_share) / self.jpeg_per_second + raw_share / self.raw_per_second


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def gpu_rate(gpu_model: str, text: str | None = None) -> GpuRate:
    """The rate of `gpu_model` (e.g. `l4`): the column whose header names the model, in the bound row."""
    text = BENCHMARKS.read_text() if text is None else text
    lines = text.splitlines()
    bound = next((i for i, line in enumerate(lines) if line.startswith(f"| {BOUND_ROW}")), None)
    if bound is None:
        raise BenchmarkError(f"{BENCHMARKS.name}: no table row beginning {BOUND_ROW!r}")
    header_index = bound
    while header_index > 0 and lines[header_index - 1].startswith("|"):
        header_index -= 1
    header = _cells(lines[header_index])
    columns = [i for i, name in enumerate(header) if re.search(rf"\b{re.escape(gpu_model)}\b", name, re.IGNORECASE)]
    if not columns:
        raise BenchmarkError(f"{BENCHMARKS.name}: the GPU table has no column for GPU model {gpu_model!r}")
    cell = _cells(lines[bound])[columns[0]]
    jpeg, raw = _JPEG.search(cell), _RAW.search(cell)
    if jpeg is None or raw is None:
        raise BenchmarkError(f"{BENCHMARKS.name}: the {gpu_model} bound reads {cell!r}, not 'A-B photos/s for JPEG'")
    return GpuRate(gpu_model, float(jpeg.group(1)), float(raw.group(1)), "estimate" in lines[bound].lower())
