"""Decoding camera files (JPEG through libjpeg-turbo, RAW/DNG through LibRaw) and encoding JPEG.

Decoding returns host arrays plus what the pipeline needs from the file's metadata; the pipeline
moves them to the device once.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, UnidentifiedImageError

from gpu_worker.pipeline.orientation import libraw_flip_to_exif

JPEG_SUFFIXES = {".jpg", ".jpeg"}
RAW_SUFFIXES = {".dng", ".cr2", ".cr3", ".nef", ".arw", ".raf", ".orf", ".rw2", ".pef", ".srw"}
SUPPORTED_SUFFIXES = JPEG_SUFFIXES | RAW_SUFFIXES
EXIF_ORIENTATION = 274


class DecodeError(ValueError):
    """The bytes are not a photo this worker can read (corrupt, truncated or unsupported)."""


@dataclass(frozen=True)
class RenderedPhoto:
    """A camera-rendered photo (JPEG): 8-bit sRGB pixels as stored, and how to orient them."""

    pixels: np.ndarray  # HxWx3 uint8
    orientation: int


@dataclass(frozen=True)
class RawPhoto:
    """A raw Bayer mosaic with what it takes to develop it."""

    mosaic: np.ndarray  # HxW uint16, as recorded
    pattern: str  # e.g. "RGGB"
    black_levels: np.ndarray  # 2x2, per site of the Bayer tile
    white_level: float
    camera_multipliers: tuple[float, float, float] | None  # R, G, B as shot
    camera_to_srgb: np.ndarray  # 3x3
    orientation: int


DecodedPhoto = RenderedPhoto | RawPhoto


def is_jpeg(data: bytes) -> bool:
    return data[:3] == b"\xff\xd8\xff"


def decode(data: bytes) -> DecodedPhoto:
    """Decode a JPEG or a camera RAW file; anything else raises DecodeError."""
    return _decode_jpeg(data) if is_jpeg(data) else _decode_raw(data)


def _decode_jpeg(data: bytes) -> RenderedPhoto:
    try:
        with Image.open(io.BytesIO(data)) as image:
            orientation = int(image.getexif().get(EXIF_ORIENTATION, 1))
            pixels = np.asarray(image.convert("RGB"))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DecodeError(f"not a readable JPEG: {exc}") from None
    return RenderedPhoto(pixels, orientation)


def _decode_raw(data: bytes) -> RawPhoto:
    import rawpy

    try:
        with rawpy.imread(io.BytesIO(data)) as raw:
            if raw.raw_type != rawpy.RawType.Flat or raw.num_colors != 3:
                raise DecodeError("only Bayer-pattern RAW files are supported")
            colours = raw.color_desc.decode()  # "RGBG": indices 1 and 3 are both green
            tile = raw.raw_colors_visible[:2, :2]  # colour index of each site, relative to the visible area
            pattern = "".join(colours[i] for i in tile.flatten())
            black = np.asarray(raw.black_level_per_channel, dtype=np.float32)[tile]
            mosaic = raw.raw_image_visible
            height, width = mosaic.shape[0] // 2 * 2, mosaic.shape[1] // 2 * 2
            multipliers = raw.camera_whitebalance
            camera = tuple(float(m) for m in multipliers[:3]) if multipliers[0] > 0 else None
            matrix = np.asarray(raw.color_matrix, dtype=np.float32)[:, :3]
            return RawPhoto(
                mosaic=mosaic[:height, :width].copy(),
                pattern=pattern,
                black_levels=black,
                white_level=float(raw.white_level),
                camera_multipliers=camera,
                camera_to_srgb=matrix if np.abs(matrix).sum() > 0 else np.eye(3, dtype=np.float32),
                orientation=libraw_flip_to_exif(raw.sizes.flip),
            )
    except rawpy.LibRawError as exc:
        raise DecodeError(f"not a readable camera RAW file: {exc}") from None


def encode_jpeg(pixels: np.ndarray, quality: int) -> bytes:
    """Encode HxWx3 uint8 sRGB pixels as a baseline JPEG (deterministic for the same pixels)."""
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, format="JPEG", quality=quality, subsampling=0 if quality >= 90 else 2)
    return buffer.getvalue()
