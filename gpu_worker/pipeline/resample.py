"""Antialiased resizing (Lanczos-3, widened by the scale when shrinking) and light output sharpening."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gpu_worker.device import array_module, scipy_for

LANCZOS_LOBES = 3


def _lanczos(x: np.ndarray) -> np.ndarray:
    x = np.abs(x)
    return np.where(x < LANCZOS_LOBES, np.sinc(x) * np.sinc(x / LANCZOS_LOBES), 0.0)


def resample_weights(in_size: int, out_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Source indices and normalised weights (out_size x taps) of a 1-D Lanczos-3 resampling.

    When shrinking, the kernel is stretched by the scale, so it also low-pass filters (antialiasing),
    as Pillow and libvips do. Edges are clamped.
    """
    scale = in_size / out_size
    support = LANCZOS_LOBES * max(scale, 1.0)
    centres = (np.arange(out_size) + 0.5) * scale
    first = np.floor(centres - support).astype(np.int64)
    taps = math.ceil(2 * support) + 1
    indices = first[:, None] + np.arange(taps)[None, :]
    weights = _lanczos((indices + 0.5 - centres[:, None]) / max(scale, 1.0))
    weights /= weights.sum(axis=1, keepdims=True)
    return np.clip(indices, 0, in_size - 1), weights.astype(np.float32)


def _resample_axis(image: Any, out_size: int, axis: int) -> Any:
    """Resample one axis as a sparse (out x in) matrix product: C/CUDA speed, edges summed by duplicates."""
    xp = array_module(image)
    _, sparse = scipy_for(xp)
    indices, weights = resample_weights(image.shape[axis], out_size)
    rows = np.repeat(np.arange(out_size), indices.shape[1])
    matrix = sparse.csr_matrix(
        (xp.asarray(weights.ravel()), (xp.asarray(rows), xp.asarray(indices.ravel()))),
        shape=(out_size, image.shape[axis]),
    )
    moved = xp.moveaxis(image, axis, 0)
    flat = xp.ascontiguousarray(moved).reshape(moved.shape[0], -1)
    return xp.moveaxis((matrix @ flat).reshape(out_size, *moved.shape[1:]), 0, axis)


def target_size(height: int, width: int, long_edge: int) -> tuple[int, int]:
    """(height, width) with the longer side set to `long_edge`, aspect kept; never enlarges."""
    longest = max(height, width)
    if long_edge >= longest:
        return height, width
    scale = long_edge / longest
    return max(1, round(height * scale)), max(1, round(width * scale))


def resize(image: Any, long_edge: int) -> Any:
    """Resize an HxW or HxWxC float image so its longer side is `long_edge` (antialiased; never enlarges)."""
    height, width = image.shape[:2]
    out_h, out_w = target_size(height, width, long_edge)
    if (out_h, out_w) == (height, width):
        return image
    xp = array_module(image)
    resized = _resample_axis(_resample_axis(image.astype(xp.float32, copy=False), out_h, 0), out_w, 1)
    return xp.clip(resized, 0.0, 1.0)


_BINOMIAL = np.float32([0.25, 0.5, 0.25])  # a 3-tap Gaussian (sigma about 0.7 px)


def sharpen(image: Any, amount: float = 0.35) -> Any:
    """Light unsharp mask: image + amount x (image - 3x3 binomial blur), clipped to [0, 1]."""
    if amount == 0:
        return image
    xp = array_module(image)
    ndimage, _ = scipy_for(xp)
    weights = xp.asarray(_BINOMIAL)
    rows_blurred = ndimage.correlate1d(image, weights, axis=0, mode="nearest")
    blurred = ndimage.correlate1d(rows_blurred, weights, axis=1, mode="nearest")
    return xp.clip(image + xp.float32(amount) * (image - blurred), 0.0, 1.0)
