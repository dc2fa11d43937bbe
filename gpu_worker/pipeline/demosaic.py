"""Malvar-He-Cutler (2004) demosaicking: the filters, once, for both paths.

Every output value is a fixed 5x5 linear combination of the mosaic values around it; which filter
gives which colour depends on the pixel's site in the 2x2 Bayer tile. `site_kernels` tabulates that
per pattern; the CPU loop (`gpu_worker.pipeline.develop`, Numba) and the CUDA kernel
(`gpu_worker.gpu.kernels`) are both generated from it, with the reference implementation's mirror
padding.
"""

from __future__ import annotations

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
