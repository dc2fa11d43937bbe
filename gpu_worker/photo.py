"""One photo through the whole chain, on the device: decoded file -> delivery variants as JPEG bytes.

RAW: black/white levels -> demosaic -> white balance -> exposure -> colour matrix -> sRGB ->
orientation -> resize -> sharpen. JPEG (already rendered by the camera): exposure (in linear light,
only if asked) -> orientation -> resize -> sharpen. Arrays go to the device once and come back once
per variant, as 8-bit pixels ready for the encoder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from time import perf_counter
from typing import Any

import numpy as np

from gpu_worker.codecs import DecodedPhoto, RawPhoto, RenderedPhoto
from gpu_worker.device import Device
from gpu_worker.pipeline import (
    apply_matrix,
    apply_orientation,
    camera_gains,
    demosaic,
    exposure,
    grey_world_gains,
    resize,
    sharpen,
    srgb_decode,
    srgb_encode,
    white_balance,
)

FULL = "full"
DEFAULT_LONG_EDGES = (2048, 1024, 400)


@dataclass(frozen=True)
class Options:
    """What to make of each photo."""

    long_edges: tuple[int, ...] = DEFAULT_LONG_EDGES
    quality: int = 90
    exposure_stops: float = 0.0
    sharpen_amount: float = 0.35

    @property
    def variants(self) -> list[str]:
        return [FULL, *(str(edge) for edge in self.long_edges)]


@dataclass
class StageTimes:
    """Seconds spent per stage (device work is synchronised at each stage boundary)."""

    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, seconds: float) -> None:
        self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds


def _timed(device: Device, times: StageTimes | None, stage: str, step: Callable[[], Any]) -> Any:
    if times is None:
        return step()
    start = perf_counter()
    result = step()
    if device.name == "gpu":
        device.xp.cuda.Device().synchronize()
    times.add(stage, perf_counter() - start)
    return result


def develop_raw(device: Device, photo: RawPhoto, options: Options, times: StageTimes | None = None) -> Any:
    """A raw mosaic -> oriented HxWx3 sRGB float image on the device."""
    xp = device.xp

    def normalise() -> Any:
        mosaic = device.to_device(photo.mosaic).astype(xp.float32)
        black = xp.tile(device.to_device(photo.black_levels), (mosaic.shape[0] // 2, mosaic.shape[1] // 2))
        return xp.clip((mosaic - black) / (xp.float32(photo.white_level) - black), 0, 1)

    linear = _timed(device, times, "upload", normalise)
    rgb = _timed(device, times, "demosaic", lambda: demosaic(linear, photo.pattern))

    def colour() -> Any:
        gains = camera_gains(photo.camera_multipliers) if photo.camera_multipliers else grey_world_gains(rgb)
        balanced = exposure(white_balance(rgb, gains), options.exposure_stops)
        return srgb_encode(apply_matrix(balanced, photo.camera_to_srgb))

    srgb = _timed(device, times, "colour", colour)
    return _timed(device, times, "orient", lambda: apply_orientation(srgb, photo.orientation))


def develop_rendered(device: Device, photo: RenderedPhoto, options: Options, times: StageTimes | None = None) -> Any:
    """A camera JPEG -> oriented HxWx3 sRGB float image on the device."""
    xp = device.xp
    srgb = _timed(device, times, "upload", lambda: device.to_device(photo.pixels).astype(xp.float32) / 255)
    if options.exposure_stops:
        srgb = _timed(device, times, "colour", lambda: srgb_encode(exposure(srgb_decode(srgb), options.exposure_stops)))
    return _timed(device, times, "orient", lambda: apply_orientation(srgb, photo.orientation))


def render_variants(
    device: Device, photo: DecodedPhoto, options: Options, times: StageTimes | None = None
) -> dict[str, np.ndarray]:
    """Every delivery variant as HxWx3 uint8 host pixels, keyed `full`, `2048`, ...

    Each variant is resized from the previous (larger) one, which keeps every step a modest,
    antialiased shrink. Output sharpening restores the crispness resampling takes away, so it is
    applied to the resized variants; the full-size variant keeps the developed pixels as they are.
    """
    develop = develop_raw if isinstance(photo, RawPhoto) else develop_rendered
    image = develop(device, photo, options, times)
    variants: dict[str, np.ndarray] = {}
    source = image
    for variant in options.variants:
        if variant != FULL:
            source = _timed(device, times, "resize", lambda s=source, v=variant: resize(s, int(v)))
        finished = (
            source
            if variant == FULL
            else _timed(device, times, "sharpen", lambda s=source: sharpen(s, options.sharpen_amount))
        )
        variants[variant] = _timed(
            device, times, "download", lambda f=finished: device.to_host((f * 255 + 0.5).astype(device.xp.uint8))
        )
    return variants
