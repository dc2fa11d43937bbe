"""Photos in, encoded variants out: each photo decoded, rendered and encoded by one worker thread.

libjpeg-turbo (simplejpeg), LibRaw, Pillow's resampling and NumPy's large-array loops release the
GIL, so photos run in parallel with one thread per core (no oversubscription: none of these
libraries starts threads of its own here). Each thread reuses its frame buffers from photo to photo.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from gpu_worker.codecs import DecodeError, FrameBuffers, decode, encode_jpeg
from gpu_worker.device import Device
from gpu_worker.photo import Options, render_variants


@dataclass(frozen=True)
class Result:
    """The outcome for one input: encoded variants, or the reason it failed."""

    key: str
    variants: dict[str, bytes] | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, which container runtimes set), at least 1."""
    return max(1, len(os.sched_getaffinity(0)))


def process_bytes(
    device: Device, data: bytes, options: Options, buffers: FrameBuffers | None = None
) -> dict[str, bytes]:
    """Decode, develop and encode one photo (raises DecodeError for unreadable input); on a GPU, all on the device."""
    if device.name == "gpu":
        from gpu_worker.gpu.render import process_bytes_gpu

        return process_bytes_gpu(device.context, data, options)
    photo = decode(data, buffers)
    pixels = render_variants(device, photo, options, buffers)
    return {
        variant: encode_jpeg(image, options.quality, photo.metadata, options.keep_gps)
        for variant, image in pixels.items()
    }


class BatchProcessor:
    """Processes batches of (key, bytes), `threads` photos at a time (default: one per usable core)."""

    def __init__(self, device: Device, options: Options, threads: int | None = None):
        self.device = device
        self.options = options
        self.threads = threads or device.concurrency or usable_cores()
        self._buffers = FrameBuffers()
        self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="photo")

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def __enter__(self) -> BatchProcessor:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _one(self, key: str, data: bytes) -> Result:
        try:
            return Result(key, process_bytes(self.device, data, self.options, self._buffers))
        except DecodeError as exc:
            return Result(key, None, str(exc))
        except Exception as exc:  # a bad photo fails only itself
            return Result(key, None, f"{type(exc).__name__}: {exc}")

    def process(self, items: Iterable[tuple[str, bytes]]) -> Iterator[Result]:
        """Results in input order; a photo that fails is reported and the others go on."""
        futures = [self._pool.submit(self._one, key, data) for key, data in items]
        for future in futures:
            yield future.result()
