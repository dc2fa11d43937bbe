"""Decoding camera files (JPEG through libjpeg-turbo, RAW/DNG through LibRaw) and encoding JPEG.

JPEG goes through simplejpeg, which links libjpeg-turbo statically and releases the GIL: frames are
decoded as RGBX (four bytes a pixel, the layout Pillow and the GPU use without a copy) into buffers
that are reused for every photo of the same size. Decoding returns host arrays plus what the
pipeline needs from the file's metadata; encoding splices that metadata back in.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field

import numpy as np
import simplejpeg

from gpu_worker.metadata import Metadata, insert_segments, metadata_segments, read_metadata, srgb_profile
from gpu_worker.pipeline.orientation import libraw_flip_to_exif

JPEG_SUFFIXES = {".jpg", ".jpeg"}
RAW_SUFFIXES = {".dng", ".cr2", ".cr3", ".nef", ".arw", ".raf", ".orf", ".rw2", ".pef", ".srw"}
SUPPORTED_SUFFIXES = JPEG_SUFFIXES | RAW_SUFFIXES
FULL_CHROMA_QUALITY = 90  # from this quality up, no chroma subsampling (libvips' jpegsave does the same)


class DecodeError(ValueError):
    """The bytes are not a photo this worker can read (corrupt, truncated or unsupported)."""


@dataclass(frozen=True)
class RenderedPhoto:
    """A camera-rendered photo (JPEG): 8-bit pixels as stored, and its metadata (orientation included)."""

    pixels: np.ndarray  # HxWx4 uint8 RGBX (the fourth byte is padding)
    metadata: Metadata

    @property
    def orientation(self) -> int:
        return self.metadata.orientation


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
    metadata: Metadata = field(default_factory=lambda: Metadata(icc_profile=srgb_profile()))


DecodedPhoto = RenderedPhoto | RawPhoto


class FrameBuffers:
    """Reusable frames, one per (role, shape) and thread: no full-frame allocation per photo in steady state.

    A frame handed out stays valid until the same thread asks for the same role again. Only the
    latest shape per role is kept, so a gallery of mixed sizes holds at most one frame per role.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def frame(self, role: str, shape: tuple[int, ...], dtype: type = np.uint8) -> np.ndarray:
        frames: dict[str, np.ndarray] = self._local.__dict__.setdefault("frames", {})
        frame = frames.get(role)
        if frame is None or frame.shape != shape or frame.dtype != dtype:
            frame = frames[role] = np.empty(shape, dtype=dtype)
        return frame


def is_jpeg(data: bytes) -> bool:
    return data[:3] == b"\xff\xd8\xff"


def decode(data: bytes, buffers: FrameBuffers | None = None) -> DecodedPhoto:
    """Decode a JPEG or a camera RAW file; anything else raises DecodeError."""
    return _decode_jpeg(data, buffers) if is_jpeg(data) else _decode_raw(data)


def _decode_jpeg(data: bytes, buffers: FrameBuffers | None) -> RenderedPhoto:
    try:
        height, width, _, _ = simplejpeg.decode_jpeg_header(data)
        frame = buffers.frame("decoded", (height, width, 4)) if buffers else None
        pixels = simplejpeg.decode_jpeg(data, colorspace="RGBX", buffer=frame)
    except ValueError as exc:  # simplejpeg's error for corrupt, truncated (strict) or unsupported (CMYK) data
        raise DecodeError(f"not a readable JPEG: {exc}") from None
    return RenderedPhoto(pixels, read_metadata(data))


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
            camera = (
                (float(multipliers[0]), float(multipliers[1]), float(multipliers[2])) if multipliers[0] > 0 else None
            )
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


def encode_jpeg(pixels: np.ndarray, quality: int, metadata: Metadata | None = None, keep_gps: bool = False) -> bytes:
    """Encode HxWx3 (RGB) or HxWx4 (RGBX) uint8 sRGB pixels as a baseline JPEG with the photo's metadata.

    Deterministic: the same pixels, quality and metadata give the same bytes.
    """
    encoded = simplejpeg.encode_jpeg(
        np.ascontiguousarray(pixels),
        quality=quality,
        colorspace="RGBX" if pixels.shape[2] == 4 else "RGB",
        colorsubsampling="444" if quality >= FULL_CHROMA_QUALITY else "420",
    )
    return insert_segments(encoded, metadata_segments(metadata, keep_gps)) if metadata else encoded
