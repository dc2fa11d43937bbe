"""The resampling maths both paths share: Lanczos-3 weights (widened by the scale when shrinking), sizes,
and the output-sharpening kernel. Pillow applies them on the CPU, CUDA kernels on the GPU."""

from __future__ import annotations

import math

import numpy as np

LANCZOS_LOBES = 3
_BINOMIAL = np.array([0.25, 0.5, 0.25], dtype=np.float32)  # a 3-tap Gaussian (sigma about 0.7 px)


def _lanczos(x: np.ndarray) -> np.ndarray:
    x = np.abs(x)
    return np.where(x < LANCZOS_LOBES, np.sinc(x) * np.sinc(x / LANCZOS_LOBES), 0.0)


def resample_weights(in_size: int, out_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Source indices (int32) and normalised weights (float32), each out_size x taps, of a 1-D Lanczos-3 resampling.

    When shrinking, the kernel is stretched by the scale, so it also low-pass filters (antialiasing),
    as Pillow and libvips do; pixel centres sit at (i + 0.5) x scale, as in Pillow. Edges are clamped.
    """
    scale = in_size / out_size
    support = LANCZOS_LOBES * max(scale, 1.0)
    centres = (np.arange(out_size) + 0.5) * scale
    first = np.floor(centres - support).astype(np.int64)
    taps = math.ceil(2 * support) + 1
    indices = first[:, None] + np.arange(taps)[None, :]
    weights = _lanczos((indices + 0.5 - centres[:, None]) / max(scale, 1.0))
    weights /= weights.sum(axis=1, keepdims=True)
    return np.clip(indices, 0, in_size - 1).astype(np.int32), weights.astype(np.float32)


def target_size(height: int, width: int, long_edge: int) -> tuple[int, int]:
    """(height, width) with the longer side set to `long_edge`, aspect kept; never enlarges."""
    longest = max(height, width)
    if long_edge >= longest:
        return height, width
    scale = long_edge / longest
    return max(1, round(height * scale)), max(1, round(width * scale))


def sharpen_kernel(amount: float) -> np.ndarray:
    """The 3x3 kernel of a light unsharp mask: image + amount x (image - binomial blur); it sums to 1."""
    kernel = -amount * np.outer(_BINOMIAL, _BINOMIAL)
    kernel[1, 1] += 1 + amount
    return kernel.astype(np.float32)
