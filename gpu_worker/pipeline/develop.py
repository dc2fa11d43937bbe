"""Developing a Bayer mosaic on the CPU in one fused pass: Malvar-He-Cutler demosaic, white balance,
exposure, colour matrix, sRGB, 8 bits.

NumPy would make some 300 full-frame passes of this (each tap, each colour step, a temporary per
step); the loop below normalises a strip of rows into a small buffer and develops it while it is in
cache, so no full-frame float copy exists. It is compiled by Numba
from source generated out of the filters in `gpu_worker.pipeline.demosaic` (the CUDA kernel of the
GPU path is generated from the same filters), in float32 like the CUDA kernel, without the GIL, so
photos develop in parallel. Compilation happens once per process, on first use (no disk cache, so
nothing is written on the image's read-only filesystem).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numba
import numpy as np

from gpu_worker.pipeline.color import SRGB_TABLE_8BIT
from gpu_worker.pipeline.demosaic import PATTERNS, Kernel, site_kernels

PAD = 2  # the filters reach two pixels
STRIP = 64  # rows normalised at a time: a strip of a 50 MP frame stays in the L2 cache


@numba.njit(nogil=True)
def _mirror(i: int, n: int) -> int:  # numpy.pad(mode="reflect"), as the CUDA kernel's mirror()
    i = -i if i < 0 else i
    return 2 * (n - 1) - i if i >= n else i


@numba.njit(nogil=True)
def normalise_rows(mosaic: Any, black: Any, white: Any, strip: Any, first: int, last: int) -> None:
    """Mosaic rows first..last-1 (mirrored past the edges) -> [0, 1] float32 into `strip`, mirror-padded by PAD.

    Each sample loses the black level of its own Bayer site and is scaled by the white level.
    """
    rows, cols = mosaic.shape
    for row in range(first, last):
        source_y = _mirror(row, rows)
        for x in range(cols + 2 * PAD):
            source_x = _mirror(x - PAD, cols)
            level = black[(source_y & 1) * 2 + (source_x & 1)]
            value = (np.float32(mosaic[source_y, source_x]) - level) / (white - level)
            strip[row - first, x] = min(max(value, np.float32(0.0)), np.float32(1.0))


@numba.njit(nogil=True, inline="always")
def _unit(value: Any) -> Any:
    return min(max(value, np.float32(0.0)), np.float32(1.0))


@numba.njit(nogil=True, inline="always")
def _finish(red: Any, green: Any, blue: Any, colour: Any, table: Any, out: Any, y: int, x: int) -> None:
    """Clip, white balance, exposure, matrix (clipping after each, as the CUDA kernel's finish()), sRGB, 8 bits.

    `colour` holds the gains (3), the exposure factor (1), then the 3x3 matrix by rows (9).
    """
    red = _unit(_unit(red) * colour[0])
    green = _unit(_unit(green) * colour[1])
    blue = _unit(_unit(blue) * colour[2])
    if colour[3] != np.float32(1.0):
        red, green, blue = _unit(red * colour[3]), _unit(green * colour[3]), _unit(blue * colour[3])
    steps = np.float32(table.shape[0] - 1)
    for c in range(3):
        linear = _unit(colour[4 + 3 * c] * red + colour[5 + 3 * c] * green + colour[6 + 3 * c] * blue)
        out[y, x, c] = table[int(linear * steps + np.float32(0.5))]


def _terms(kernel: Kernel, site_y: int, site_x: int) -> str:
    return " + ".join(
        f"np.float32({weight!r}) * p[y + {PAD + site_y + dy}, x + {PAD + site_x + dx}]"
        for (dy, dx), weight in kernel.items()
    )


def _source(pattern: str) -> str:
    """The develop loop for one pattern: strips of STRIP rows, normalised into a small buffer, then every 2x2 tile."""
    lines = [
        f"def develop_{pattern}(mosaic, black, white, colour, table, out):",
        "    rows, cols = mosaic.shape",
        f"    p = np.empty(({STRIP} + {2 * PAD}, cols + {2 * PAD}), np.float32)",
        f"    for top in range(0, rows, {STRIP}):",
        f"        height = min({STRIP}, rows - top)",
        f"        normalise_rows(mosaic, black, white, p, top - {PAD}, top + height + {PAD})",
        "        for y in range(0, height, 2):",
        "            for x in range(0, cols, 2):",
    ]
    for (site_y, site_x), (red, green, blue) in site_kernels(pattern).items():
        lines.append(
            f"                _finish({_terms(red, site_y, site_x)}, {_terms(green, site_y, site_x)}, "
            f"{_terms(blue, site_y, site_x)}, colour, table, out, top + y + {site_y}, x + {site_x})"
        )
    return "\n".join(lines)


@cache
def _kernel(pattern: str) -> Any:
    if pattern not in PATTERNS:
        raise ValueError(f"unsupported Bayer pattern {pattern!r} (expected one of {', '.join(PATTERNS)})")
    namespace: dict[str, Any] = {"np": np, "_finish": _finish, "normalise_rows": normalise_rows}
    exec(_source(pattern), namespace)  # generated from the filter tables above, never from input
    return numba.njit(nogil=True)(namespace[f"develop_{pattern}"])


def colour_parameters(gains: Any, exposure_factor: float, matrix: Any) -> np.ndarray:
    """The 13 float32 parameters of the colour steps, in the layout `_finish` and the CUDA kernel read."""
    values = [*np.asarray(gains, np.float32).ravel(), exposure_factor, *np.asarray(matrix, np.float32).ravel()]
    return np.asarray(values, dtype=np.float32)


def develop_mosaic(
    mosaic: np.ndarray, black_levels: np.ndarray, white_level: float, pattern: str, colour: np.ndarray, out: np.ndarray
) -> np.ndarray:
    """An HxW uint16 Bayer mosaic -> 8-bit sRGB in the first three channels of `out` (HxWx3, or HxWx4 for RGBX)."""
    rows, cols = mosaic.shape
    if rows % 2 or cols % 2 or out.shape[:2] != (rows, cols) or out.shape[2] < 3:
        raise ValueError(f"mosaic must have even sides and out must be {rows}x{cols}x3 or x4 (got {out.shape})")
    black = np.ascontiguousarray(black_levels, dtype=np.float32).ravel()
    _kernel(pattern)(mosaic, black, np.float32(white_level), colour, SRGB_TABLE_8BIT, out)
    return out
