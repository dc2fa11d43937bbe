"""Synthetic camera files for tests and benchmarks: a Bayer DNG (via pidng) and camera JPEGs.

The scene is deterministic: smooth colour gradients, sharp edges and fine texture, so demosaicking,
resizing and coding all have real work to do.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from gpu_worker.metadata import EXIF_ORIENTATION

# The fixture's camera records linear sRGB, so its ColorMatrix1 (XYZ -> camera) is XYZ -> linear sRGB.
XYZ_TO_LINEAR_SRGB = np.array(
    [[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415], [0.0557, -0.2040, 1.0570]], dtype=np.float64
)


def scene(height: int, width: int, seed: int = 0) -> np.ndarray:
    """An HxWx3 float32 linear-light test scene in [0, 1]."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    y /= max(height - 1, 1)
    x /= max(width - 1, 1)
    base = np.stack([0.2 + 0.6 * x, 0.25 + 0.5 * y, 0.7 - 0.5 * x * y], axis=-1)
    stripes = (np.sin(x * width / 7.0) > 0).astype(np.float32)[..., None] * 0.15
    disc = (((x - 0.6) ** 2 + (y - 0.4) ** 2) < 0.04).astype(np.float32)[..., None] * np.array(
        [0.3, -0.1, -0.2], dtype=np.float32
    )
    texture = rng.normal(0, 0.02, size=(height, width, 1)).astype(np.float32)
    return np.clip(base + stripes + disc + texture, 0, 1).astype(np.float32)


def mosaic_rggb(rgb: np.ndarray) -> np.ndarray:
    """Sample an RGB image through an RGGB colour filter array."""
    mosaic = np.empty(rgb.shape[:2], dtype=rgb.dtype)
    mosaic[0::2, 0::2] = rgb[0::2, 0::2, 0]
    mosaic[0::2, 1::2] = rgb[0::2, 1::2, 1]
    mosaic[1::2, 0::2] = rgb[1::2, 0::2, 1]
    mosaic[1::2, 1::2] = rgb[1::2, 1::2, 2]
    return mosaic


def dng_bytes(
    height: int, width: int, seed: int = 0, *, black: int = 256, white: int = 16383, orientation: int = 1
) -> bytes:
    """A 14-bit RGGB DNG of the synthetic scene, as a camera would write it."""
    from pidng.core import RAW2DNG, DNGTags, Tag
    from pidng.defs import CFAPattern, DNGVersion, PhotometricInterpretation, PreviewColorSpace

    mosaic = mosaic_rggb(scene(height, width, seed))
    raw = (black + mosaic * (white - black)).round().astype(np.uint16)
    tags = DNGTags()
    for tag, value in (
        (Tag.ImageWidth, width),
        (Tag.ImageLength, height),
        (Tag.TileWidth, width),
        (Tag.TileLength, height),
        (Tag.Orientation, orientation),
        (Tag.PhotometricInterpretation, PhotometricInterpretation.Color_Filter_Array),
        (Tag.SamplesPerPixel, 1),
        (Tag.BitsPerSample, 16),
        (Tag.CFARepeatPatternDim, [2, 2]),
        (Tag.CFAPattern, CFAPattern.RGGB),
        (Tag.BlackLevel, black),
        (Tag.WhiteLevel, white),
        (Tag.ColorMatrix1, [[round(v * 10000), 10000] for v in XYZ_TO_LINEAR_SRGB.flatten()]),
        (Tag.CalibrationIlluminant1, 21),  # D65
        (Tag.AsShotNeutral, [[1, 1], [1, 1], [1, 1]]),
        (Tag.Make, "wedsync"),
        (Tag.Model, "synthetic"),
        (Tag.DNGVersion, DNGVersion.V1_4),
        (Tag.DNGBackwardVersion, DNGVersion.V1_2),
        (Tag.PreviewColorSpace, PreviewColorSpace.sRGB),
    ):
        tags.set(tag, value)
    with tempfile.TemporaryDirectory() as folder:
        converter = RAW2DNG()
        converter.options(tags, path=folder, compress=False)
        converter.convert(raw, filename="photo")
        return (Path(folder) / "photo.dng").read_bytes()


def jpeg_bytes(height: int, width: int, seed: int = 0, *, orientation: int = 1, quality: int = 92) -> bytes:
    """A camera-style JPEG of the synthetic scene (sRGB), optionally with an EXIF orientation."""
    from gpu_worker.pipeline import srgb_encode

    pixels = (srgb_encode(scene(height, width, seed)) * 255 + 0.5).astype(np.uint8)
    image = Image.fromarray(pixels, "RGB")
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = orientation
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, exif=exif.tobytes())
    return buffer.getvalue()
