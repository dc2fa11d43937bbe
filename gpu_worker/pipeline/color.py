"""Colour steps on HxWx3 float32 arrays in [0, 1]: white balance, exposure, colour matrix, sRGB gamma."""

from __future__ import annotations

from typing import Any

import numpy as np

from gpu_worker.device import array_module


def white_balance(rgb: Any, gains: Any) -> Any:
    """Multiply each channel by its gain (green is usually 1), clipping highlights at 1."""
    xp = array_module(rgb)
    return xp.clip(rgb * xp.asarray(gains, dtype=rgb.dtype), 0.0, 1.0)


def grey_world_gains(rgb: Any) -> Any:
    """Gains that make the image's mean colour neutral, relative to green (for photos without camera multipliers)."""
    xp = array_module(rgb)
    means = rgb.reshape(-1, 3).mean(axis=0)
    return means[1] / xp.maximum(means, xp.float32(1e-6))


def camera_gains(multipliers: tuple[float, float, float]) -> tuple[float, float, float]:
    """Camera white-balance multipliers normalised to green = 1."""
    red, green, blue = multipliers
    return (red / green, 1.0, blue / green)


def exposure(rgb: Any, stops: float) -> Any:
    """Exposure compensation in linear light: multiply by 2**stops."""
    if stops == 0:
        return rgb
    xp = array_module(rgb)
    return xp.clip(rgb * xp.float32(2.0**stops), 0.0, 1.0)


def apply_matrix(rgb: Any, matrix: Any) -> Any:
    """Camera RGB -> linear sRGB with a 3x3 matrix (rows: output channels), as one BLAS product."""
    xp = array_module(rgb)
    transform = xp.asarray(matrix, dtype=rgb.dtype)
    return xp.clip(xp.tensordot(rgb, transform, axes=([2], [1])), 0.0, 1.0)


def srgb_curve(linear: Any) -> Any:
    """Linear light -> sRGB transfer curve (IEC 61966-2-1), computed exactly."""
    xp = array_module(linear)
    curve = xp.float32(1.055) * xp.power(xp.maximum(linear, xp.float32(0.0031308)), xp.float32(1 / 2.4)) - 0.055
    return xp.where(linear <= 0.0031308, linear * xp.float32(12.92), curve).astype(linear.dtype, copy=False)


LUT_STEPS = 65535  # 16-bit linear input: under 1/20 of an 8-bit output level of error anywhere
SRGB_TABLE = srgb_curve(np.linspace(0, 1, LUT_STEPS + 1, dtype=np.float32))


def srgb_encode(linear: Any) -> Any:
    """Linear light in [0, 1] -> sRGB, through a 16-bit lookup table (a gather instead of a power per value)."""
    xp = array_module(linear)
    table = xp.asarray(SRGB_TABLE)
    return table[(linear * xp.float32(LUT_STEPS) + xp.float32(0.5)).astype(xp.int32)]


def srgb_decode(encoded: Any) -> Any:
    """sRGB transfer curve -> linear light."""
    xp = array_module(encoded)
    curve = xp.power((encoded + xp.float32(0.055)) / xp.float32(1.055), xp.float32(2.4))
    return xp.where(encoded <= 0.04045, encoded / xp.float32(12.92), curve).astype(encoded.dtype, copy=False)
