"""Antialiased resizing (Lanczos-3, widened by the scale when shrinking) and light sharpening."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gpu_worker.device import array_module

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
    xp = array_module(image)
    indices, weights = resample_weights(image.shape[axis], out_size)
    moved = xp.moveaxis(image, axis, 0)
    out = xp.zeros((out_size, *moved.shape[1:]), dtype=xp.float32)
    weights_on_device = xp.asarray(weights)
    indices_on_device = xp.asarray(indices)
    extra = (slice(None),) + (None,) * (moved.ndim - 1)
    for tap in range(indices.shape[1]):
        out += weights_on_device[:, tap][extra] * moved[indices_on_device[:, tap]]
    return xp.moveaxis(out, 0, axis)


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


def _gaussian_taps(sigma: float) -> np.ndarray:
    radius = max(1, math.ceil(3 * sigma))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    return (taps / taps.sum()).astype(np.float32)


def _blur_axis(image: Any, taps: np.ndarray, axis: int) -> Any:
    xp = array_module(image)
    radius = len(taps) // 2
    pad = [(0, 0)] * image.ndim
    pad[axis] = (radius, radius)
    padded = xp.pad(image, pad, mode="edge")
    length = image.shape[axis]
    out = xp.zeros_like(image)
    for offset, weight in enumerate(taps):
        window = [slice(None)] * image.ndim
        window[axis] = slice(offset, offset + length)
        out += xp.float32(weight) * padded[tuple(window)]
    return out


def sharpen(image: Any, amount: float = 0.35, sigma: float = 0.8) -> Any:
    """Unsharp mask: image + amount x (image - gaussian blur), clipped to [0, 1]."""
    if amount == 0:
        return image
    xp = array_module(image)
    taps = _gaussian_taps(sigma)
    blurred = _blur_axis(_blur_axis(image, taps, 0), taps, 1)
    return xp.clip(image + xp.float32(amount) * (image - blurred), 0.0, 1.0)
