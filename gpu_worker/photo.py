"""One photo through the whole chain: decoded file -> delivery variants as 8-bit pixels.

The stages are separate functions so the benchmark can time each from outside:

1. `upright_frame`: RAW is developed in one fused pass (black/white levels -> demosaic -> white balance
   -> exposure -> colour matrix -> sRGB -> 8 bits) and a camera JPEG gets exposure only if asked (an
   exact 256-entry table);
   then both are turned upright. The result is an HxWxC uint8 frame, which is also the full variant.
2. `resized_variants`: each smaller variant is resized from the previous (larger) one with Pillow's
   antialiased Lanczos-3, after a box pre-shrink by a whole factor while at least `REDUCING_GAP` x of
   Lanczos remains (a 24 MP frame is halved before its 2048 px variant: 2.7x less work, and the
   result stays closer to a direct Lanczos than libvips' own thumbnail is; see tests/test_pipeline.py),
   then sharpened with one 3x3 kernel in uint8.

On a GPU the same stages run in `gpu_worker.gpu.render`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image, ImageFilter

from gpu_worker.codecs import DecodedPhoto, FrameBuffers, RawPhoto
from gpu_worker.device import Device
from gpu_worker.pipeline import (
    apply_orientation,
    bayer_means,
    camera_gains,
    exposure,
    grey_world_gains,
    sharpen_kernel,
    srgb_decode,
    srgb_encode,
    target_size,
)
from gpu_worker.pipeline.develop import colour_parameters, develop_mosaic

FULL = "full"
DEFAULT_LONG_EDGES = (2048, 1024, 400)
REDUCING_GAP = 1.4  # Pillow's `reducing_gap`


@dataclass(frozen=True)
class Options:
    """What to make of each photo."""

    long_edges: tuple[int, ...] = DEFAULT_LONG_EDGES
    quality: int = 90
    exposure_stops: float = 0.0
    sharpen_amount: float = 0.35
    keep_gps: bool = False  # GPS coordinates are removed from the delivered EXIF unless this is set

    @property
    def variants(self) -> list[str]:
        return [FULL, *(str(edge) for edge in self.long_edges)]


def develop_raw(photo: RawPhoto, options: Options, buffers: FrameBuffers) -> np.ndarray:
    """A raw mosaic -> HxWx4 uint8 RGBX sRGB, as stored (not yet turned upright), in one fused pass."""
    if photo.camera_multipliers:
        gains = camera_gains(photo.camera_multipliers)
    else:
        gains = grey_world_gains(bayer_means(photo.mosaic, photo.black_levels, photo.white_level, photo.pattern))
    colour = colour_parameters(gains, 2.0**options.exposure_stops, photo.camera_to_srgb)
    frame = buffers.frame("developed", (*photo.mosaic.shape, 4))  # RGBX: Pillow shares it without a copy
    return develop_mosaic(photo.mosaic, photo.black_levels, photo.white_level, photo.pattern, colour, frame)


@cache
def exposure_table(stops: float) -> np.ndarray:
    """Exposure compensation of 8-bit sRGB values in linear light, exactly, as a 256-entry table."""
    levels = np.arange(256, dtype=np.float32) / 255
    return (srgb_encode(exposure(srgb_decode(levels), stops)) * 255 + 0.5).astype(np.uint8)


def upright_frame(photo: DecodedPhoto, options: Options, buffers: FrameBuffers) -> np.ndarray:
    """The photo as an upright HxWxC uint8 frame (C is 4, RGBX, for JPEG input): the full variant."""
    if isinstance(photo, RawPhoto):
        pixels = develop_raw(photo, options, buffers)
    else:
        pixels = photo.pixels
        if options.exposure_stops:
            np.take(exposure_table(options.exposure_stops), pixels, out=pixels)  # in place: the frame is ours
    if photo.orientation == 1:
        return pixels
    turned = apply_orientation(pixels, photo.orientation, copy=False)
    out = buffers.frame("upright", turned.shape)
    np.copyto(out, turned)
    return out


@cache
def sharpen_filter(amount: float) -> ImageFilter.Kernel:
    return ImageFilter.Kernel((3, 3), sharpen_kernel(amount).ravel().tolist(), scale=1)


def _as_image(frame: np.ndarray) -> Image.Image:
    """A Pillow image over the frame: no copy for RGBX, whose layout Pillow shares."""
    height, width, channels = frame.shape
    if channels == 4:
        return Image.frombuffer("RGBX", (width, height), frame, "raw", "RGBX", 0, 1)
    return Image.fromarray(frame, "RGB")


def resized_variants(frame: np.ndarray, options: Options) -> dict[str, np.ndarray]:
    """The smaller variants of an upright frame, keyed by long edge, as HxWxC uint8 arrays."""
    variants: dict[str, np.ndarray] = {}
    source = _as_image(frame)
    for edge in options.long_edges:
        height, width = target_size(frame.shape[0], frame.shape[1], edge)  # from the full frame, not the cascade
        if (width, height) != source.size:
            source = source.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
        finished = source.filter(sharpen_filter(options.sharpen_amount)) if options.sharpen_amount else source
        variants[str(edge)] = np.asarray(finished)
    return variants


def render_variants(
    device: Device, photo: DecodedPhoto, options: Options, buffers: FrameBuffers | None = None
) -> dict[str, np.ndarray]:
    """Every delivery variant as HxWxC uint8 host pixels, keyed `full`, `2048`, ... (the GPU path on a GPU)."""
    if device.name == "gpu":
        from gpu_worker.gpu.render import render_variants_gpu

        return render_variants_gpu(device.context, photo, options)
    frame = upright_frame(photo, options, buffers or FrameBuffers())
    return {FULL: frame, **resized_variants(frame, options)}
