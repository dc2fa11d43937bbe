"""What a user would otherwise run, for the benchmark: libvips for the JPEG path, LibRaw for RAW.

libvips does the worker's work (`autorot` + `jpegsave`, `thumbnail` + `sharpen` + `jpegsave` per
variant, its operation cache off so repeated rounds are real work); LibRaw develops a DNG with its
own `postprocess` and LINEAR demosaicking (rawpy, with its OpenMP threads).
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable

import numpy as np

from gpu_worker.photo import Options


def vips_jpeg_path(data: bytes, options: Options) -> None:
    import pyvips

    image = pyvips.Image.new_from_buffer(data, "", access="sequential").autorot()
    image.jpegsave_buffer(Q=options.quality)
    for edge in options.long_edges:
        variant = pyvips.Image.thumbnail_buffer(data, edge, height=edge, size="down")
        variant.sharpen().jpegsave_buffer(Q=options.quality)


def libvips_round(photos: list[bytes], threads: int, options: Options) -> float:
    """Seconds per photo for libvips on the gallery (threads=0: libvips' default, one per core)."""
    import pyvips

    pyvips.cache_set_max(0)  # the gallery repeats: never serve a result from libvips' operation cache
    default = pyvips.concurrency_get()
    pyvips.concurrency_set(threads or default)
    try:

        def gallery() -> None:
            for photo in photos:
                vips_jpeg_path(photo, options)

        return elapsed(gallery) / len(photos)
    finally:
        pyvips.concurrency_set(default)


def libraw_linear(data: bytes) -> np.ndarray:
    import rawpy

    with rawpy.imread(io.BytesIO(data)) as raw:
        return raw.postprocess(
            demosaic_algorithm=rawpy.DemosaicAlgorithm.LINEAR,
            use_camera_wb=True,
            no_auto_bright=True,
            output_bps=8,
            output_color=rawpy.ColorSpace.sRGB,
        )


def psnr(image: np.ndarray, truth: np.ndarray, border: int = 8) -> float:
    inner = (slice(border, -border), slice(border, -border))
    error = np.mean((image[inner][..., :3].astype(np.float32) / 255 - truth[inner]) ** 2)
    return float(10 * np.log10(1 / error))


def elapsed(run: Callable[[], object]) -> float:
    """Wall seconds `run` takes."""
    start = time.perf_counter()
    run()
    return time.perf_counter() - start
