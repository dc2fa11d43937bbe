"""The GPU path's stages, the same as `gpu_worker.photo`'s on the CPU: upright frame, resized variants, encode.

Frames are HxWx3 uint8 on the device; resizing works in float32 with cached Lanczos-3 plans (rows,
then columns), and sharpening writes the 8-bit variant in the same pass. Everything is queued on
the calling thread's stream; the host waits only for the encoded bytes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gpu_worker.codecs import DecodedPhoto, RawPhoto, RenderedPhoto, decode, encode_jpeg, is_jpeg
from gpu_worker.gpu.context import GpuContext
from gpu_worker.gpu.kernels import BLOCK, grid
from gpu_worker.metadata import insert_segments, metadata_segments, read_metadata
from gpu_worker.photo import FULL, Options, exposure_table
from gpu_worker.pipeline import (
    apply_orientation,
    bayer_means,
    camera_gains,
    grey_world_gains,
    sharpen_kernel,
    target_size,
)
from gpu_worker.pipeline.develop import colour_parameters


def decode_on_device(context: GpuContext, data: bytes) -> tuple[DecodedPhoto, Any | None]:
    """The decoded photo and, for a JPEG the pinned GPU backend could read, its pixels already on the device."""
    if is_jpeg(data):
        image = context.codec.decode(data, context.stream)
        if image is not None:
            pixels = context.cp.array(image)  # owned by CuPy's pool; the nvImageCodec image can go
            no_host_pixels = np.empty((0, 0, 4), np.uint8)  # they are on the device
            return RenderedPhoto(no_host_pixels, read_metadata(data)), pixels
    return decode(data), None


def develop_raw_gpu(context: GpuContext, photo: RawPhoto, options: Options) -> Any:
    """Mosaic -> upright-pending HxWx3 uint8 sRGB frame in one fused kernel (grey-world means first if needed)."""
    cp = context.cp
    rows, cols = photo.mosaic.shape
    mosaic = context.upload(photo.mosaic, "mosaic")
    if photo.camera_multipliers:
        gains = camera_gains(photo.camera_multipliers)
    else:
        gains = grey_world_gains(bayer_means(mosaic, photo.black_levels, photo.white_level, photo.pattern))
    colour = cp.asarray(colour_parameters(gains, 2.0**options.exposure_stops, photo.camera_to_srgb))
    frame = cp.empty((rows, cols, 3), cp.uint8)
    context.kernels[f"develop_{photo.pattern}"](
        grid(rows * cols),
        (BLOCK,),
        (
            mosaic,
            frame,
            cp.asarray(photo.black_levels.ravel(), dtype=cp.float32),
            np.float32(photo.white_level),
            colour,
            context.srgb_table,
            np.int32(context.srgb_table.size - 1),
            np.int32(rows),
            np.int32(cols),
        ),
    )
    return frame


def upright_frame_gpu(context: GpuContext, photo: DecodedPhoto, options: Options, pixels: Any | None = None) -> Any:
    """The photo as an upright HxWx3 uint8 device frame (the full variant)."""
    cp = context.cp
    if isinstance(photo, RawPhoto):
        frame = develop_raw_gpu(context, photo, options)
    else:
        frame = pixels if pixels is not None else context.upload(np.ascontiguousarray(photo.pixels[..., :3]), "frame")
        if options.exposure_stops:
            frame = cp.take(cp.asarray(exposure_table(options.exposure_stops)), frame)
    return apply_orientation(frame, photo.orientation) if photo.orientation != 1 else frame


def _resize(context: GpuContext, source: Any, height: int, width: int) -> Any:
    """Lanczos-3 rows then columns; `source` is the uint8 frame or a float32 variant."""
    cp = context.cp
    in_rows, in_cols = source.shape[:2]
    index, weight, taps = context.plan(in_rows, height)
    rows = cp.empty((height, in_cols, 3), cp.float32)
    name = "resample_rows_u8" if source.dtype == cp.uint8 else "resample_rows_f32"
    context.kernels[name](
        grid(rows.size),
        (BLOCK,),
        (source, rows, index, weight, np.int32(taps), np.int32(height), np.int32(in_cols * 3)),
    )
    index, weight, taps = context.plan(in_cols, width)
    out = cp.empty((height, width, 3), cp.float32)
    context.kernels["resample_columns"](
        grid(out.size),
        (BLOCK,),
        (rows, out, index, weight, np.int32(taps), np.int32(height), np.int32(in_cols), np.int32(width)),
    )
    return out


def resized_variants_gpu(context: GpuContext, frame: Any, options: Options) -> dict[str, Any]:
    """The smaller variants (uint8 on the device), each resized from the previous one, as on the CPU."""
    cp = context.cp
    kernel = cp.asarray(sharpen_kernel(options.sharpen_amount))
    variants: dict[str, Any] = {}
    source = frame
    for edge in options.long_edges:
        height, width = target_size(frame.shape[0], frame.shape[1], edge)  # from the full frame, not the cascade
        source = _resize(context, source, height, width)
        out = cp.empty((height, width, 3), cp.uint8)
        context.kernels["sharpen_to_u8"](
            grid(out.size), (BLOCK,), (source, out, kernel, np.int32(height), np.int32(width))
        )
        variants[str(edge)] = out
    return variants


def encode_variants_gpu(
    context: GpuContext, variants: dict[str, Any], photo: DecodedPhoto, options: Options
) -> dict[str, bytes]:
    """Encode on the device with nvJPEG (no pixel round trip), or download and encode on the CPU without it."""
    segments = metadata_segments(photo.metadata, options.keep_gps)
    encoded = {}
    for name, pixels in variants.items():
        data = context.codec.encode(pixels, options.quality, context.stream)
        if data is None:
            data = encode_jpeg(context.download(pixels, "variant"), options.quality)
        encoded[name] = insert_segments(data, segments)
    return encoded


def render_variants_gpu(context: GpuContext, photo: DecodedPhoto, options: Options) -> dict[str, np.ndarray]:
    """Every variant as host pixels (for tests and the CPU encoder)."""
    with context.on_stream():
        frame = upright_frame_gpu(context, photo, options)
        variants = {FULL: frame, **resized_variants_gpu(context, frame, options)}
        return {name: context.download(pixels, name) for name, pixels in variants.items()}


def process_bytes_gpu(context: GpuContext, data: bytes, options: Options) -> dict[str, bytes]:
    """Decode, develop, resize and encode one photo on this thread's stream."""
    with context.on_stream():
        photo, pixels = decode_on_device(context, data)
        frame = upright_frame_gpu(context, photo, options, pixels)
        return encode_variants_gpu(
            context, {FULL: frame, **resized_variants_gpu(context, frame, options)}, photo, options
        )
