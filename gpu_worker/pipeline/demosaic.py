"""Malvar-He-Cutler (2004) demosaicking, computed on the four Bayer sub-planes.

Every output value is a fixed 5x5 linear combination of mosaic values around it. Instead of
convolving the full image four times and selecting by masks, each site of the 2x2 Bayer tile
gathers its taps from the quarter-resolution sub-planes: a quarter of the work, no masks, and the
same result (mirror padding as in the reference implementation).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gpu_worker.device import array_module

Kernel = dict[tuple[int, int], float]


def _kernel(rows: list[list[float]]) -> Kernel:
    return {(dy - 2, dx - 2): w / 8 for dy, row in enumerate(rows) for dx, w in enumerate(row) if w}


# The four filters of the paper (all /8): green at red/blue; red/blue at green with the 4s along the
# row; the same along the column; red at blue and blue at red.
G_AT_RB = _kernel([[0, 0, -1, 0, 0], [0, 0, 2, 0, 0], [-1, 2, 4, 2, -1], [0, 0, 2, 0, 0], [0, 0, -1, 0, 0]])
AT_G_ALONG_ROW = _kernel(
    [[0, 0, 0.5, 0, 0], [0, -1, 0, -1, 0], [-1, 4, 5, 4, -1], [0, -1, 0, -1, 0], [0, 0, 0.5, 0, 0]]
)
AT_G_ALONG_COLUMN = {(dx, dy): w for (dy, dx), w in AT_G_ALONG_ROW.items()}
RB_AT_BR = _kernel([[0, 0, -1.5, 0, 0], [0, 2, 0, 2, 0], [-1.5, 0, 6, 0, -1.5], [0, 2, 0, 2, 0], [0, 0, -1.5, 0, 0]])
IDENTITY: Kernel = {(0, 0): 1.0}

PATTERNS = ("RGGB", "BGGR", "GRBG", "GBRG")


def site_kernels(pattern: str) -> dict[tuple[int, int], tuple[Kernel, Kernel, Kernel]]:
    """For each site (y, x) of the 2x2 tile, the kernels producing its R, G and B values."""
    colour = {(0, 0): pattern[0], (0, 1): pattern[1], (1, 0): pattern[2], (1, 1): pattern[3]}
    result = {}
    for (y, x), own in colour.items():
        kernels: dict[str, Kernel] = {own: IDENTITY}
        if own == "G":
            row_neighbour = colour[(y, 1 - x)]  # the colour beside this green in its row
            column_neighbour = colour[(1 - y, x)]
            kernels[row_neighbour] = AT_G_ALONG_ROW
            kernels[column_neighbour] = AT_G_ALONG_COLUMN
        else:
            kernels["G"] = G_AT_RB
            kernels["B" if own == "R" else "R"] = RB_AT_BR
        result[(y, x)] = (kernels["R"], kernels["G"], kernels["B"])
    return result


def _as_unit_float(xp: Any, mosaic: Any) -> Any:
    if mosaic.dtype.kind in "ui":
        return mosaic.astype(xp.float32) / float(np.iinfo(mosaic.dtype.name).max)
    return mosaic.astype(xp.float32, copy=False)


def demosaic(mosaic: Any, pattern: str = "RGGB") -> Any:
    """HxW Bayer mosaic (integers scaled by their type's maximum, or floats in [0, 1]) -> HxWx3 float32 in [0, 1].

    Works on NumPy and CuPy arrays alike; the result lives where the input lives.
    """
    if pattern not in PATTERNS:
        raise ValueError(f"unsupported Bayer pattern {pattern!r} (expected one of {', '.join(PATTERNS)})")
    if mosaic.ndim != 2 or mosaic.shape[0] % 2 or mosaic.shape[1] % 2:
        raise ValueError(f"mosaic must be a 2-D array with even sides (got shape {mosaic.shape})")
    xp = array_module(mosaic)
    cfa = _as_unit_float(xp, mosaic)
    height, width = cfa.shape
    half_h, half_w = height // 2, width // 2
    padded = xp.pad(cfa, 2, mode="reflect")  # mirror padding keeps the Bayer phase
    planes = {(py, px): padded[py::2, px::2] for py in (0, 1) for px in (0, 1)}

    out = xp.empty((height, width, 3), dtype=xp.float32)
    for (sy, sx), kernels in site_kernels(pattern).items():
        for channel, kernel in enumerate(kernels):
            acc = xp.zeros((half_h, half_w), dtype=xp.float32)
            for (dy, dx), weight in kernel.items():
                py, px = (sy + dy) % 2, (sx + dx) % 2
                row, col = (sy + dy + 2 - py) // 2, (sx + dx + 2 - px) // 2
                acc += xp.float32(weight) * planes[(py, px)][row : row + half_h, col : col + half_w]
            out[sy::2, sx::2, channel] = acc
    return xp.clip(out, 0.0, 1.0, out=out)
