"""Colour maths shared by both paths: camera and grey-world white balance, exposure, the sRGB transfer curve."""

from __future__ import annotations

from typing import Any

import numpy as np

from gpu_worker.device import array_module


def bayer_means(mosaic: Any, black_levels: Any, white_level: float, pattern: str) -> np.ndarray:
    """Mean R, G and B of a raw mosaic in [0, 1] (both greens pooled), on NumPy or CuPy, for grey-world balance."""
    xp = array_module(mosaic)
    sums, counts = np.zeros(3), np.zeros(3)
    for index, colour in enumerate(pattern):
        site_y, site_x = divmod(index, 2)
        level = float(black_levels[site_y][site_x])
        samples = mosaic[site_y::2, site_x::2].astype(xp.float32) - xp.float32(level)
        samples /= xp.float32(white_level - level)
        sums["RGB".index(colour)] += float(xp.clip(samples, 0, 1).mean())
        counts["RGB".index(colour)] += 1
    return sums / counts


def grey_world_gains(means: Any) -> tuple[float, float, float]:
    """Gains that make a mean colour (R, G, B) neutral, relative to green (for photos without camera multipliers)."""
    red, green, blue = (max(float(m), 1e-6) for m in means)
    return (green / red, 1.0, green / blue)


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


def srgb_curve(linear: Any) -> Any:
    """Linear light -> sRGB transfer curve (IEC 61966-2-1), computed exactly."""
    xp = array_module(linear)
    curve = xp.float32(1.055) * xp.power(xp.maximum(linear, xp.float32(0.0031308)), xp.float32(1 / 2.4)) - 0.055
    return xp.where(linear <= 0.0031308, linear * xp.float32(12.92), curve).astype(linear.dtype, copy=False)


LUT_STEPS = 65535  # 16-bit linear input: under 1/20 of an 8-bit output level of error anywhere
SRGB_TABLE = srgb_curve(np.linspace(0, 1, LUT_STEPS + 1, dtype=np.float32))
SRGB_TABLE_8BIT = (SRGB_TABLE * np.float32(255) + np.float32(0.5)).astype(np.uint8)  # linear 16-bit -> 8-bit sRGB


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
