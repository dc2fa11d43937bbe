"""Everything the GPU path sets up once per process: compiled kernels, resize plans, codec, streams, pinned buffers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import numpy as np

from gpu_worker.codecs import RawPhoto, RenderedPhoto
from gpu_worker.gpu.codec import GpuCodec, choose_backend, load_nvimgcodec
from gpu_worker.gpu.kernels import COMPILE_OPTIONS, KERNEL_NAMES, SOURCE
from gpu_worker.pipeline import resample_weights
from gpu_worker.pipeline.color import SRGB_TABLE_8BIT

BYTES_PER_PHOTO = 1_500_000_000  # a 50 MP photo holds ~0.6 GB (mosaic, frame, resize rows) plus codec buffers
MAX_IN_FLIGHT = 4  # enough to overlap decode, upload, kernels and encode of consecutive photos


class GpuContext:
    """Compiled kernels, cached resize plans, the pinned codec, and one stream and pinned buffers per thread."""

    def __init__(self, cupy: Any):
        self.cp = cupy
        module = cupy.RawModule(code=SOURCE, options=COMPILE_OPTIONS)
        self.kernels = {name: module.get_function(name) for name in KERNEL_NAMES}  # NVRTC compiles here
        self.srgb_table = cupy.asarray(SRGB_TABLE_8BIT)
        self._plans: dict[tuple[int, int], tuple[Any, Any, int]] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        free, _ = cupy.cuda.runtime.memGetInfo()
        self.in_flight = max(1, min(MAX_IN_FLIGHT, int(free * 0.8) // BYTES_PER_PHOTO))
        self._nvimgcodec = load_nvimgcodec()
        self.decode_backend = choose_backend(lambda name: self._probe(name, self._nvimgcodec))

    @property
    def codec(self) -> GpuCodec:
        """This thread's nvImageCodec decoder and encoder (one per thread: no sharing of codec state)."""
        if not hasattr(self._local, "codec"):
            self._local.codec = GpuCodec(self.decode_backend, self._nvimgcodec)
        return self._local.codec

    def plan(self, in_size: int, out_size: int) -> tuple[Any, Any, int]:
        """Lanczos-3 (index, weight, taps) on the device, computed once per (input size, output size)."""
        key = (in_size, out_size)
        with self._lock:
            if key not in self._plans:
                index, weight = resample_weights(in_size, out_size)
                self._plans[key] = (self.cp.asarray(index), self.cp.asarray(weight), index.shape[1])
            return self._plans[key]

    @property
    def stream(self) -> Any:
        """This thread's non-default stream: photos on different threads overlap on the device."""
        if not hasattr(self._local, "stream"):
            self._local.stream = self.cp.cuda.Stream(non_blocking=True)
        return self._local.stream

    @contextmanager
    def on_stream(self) -> Iterator[Any]:
        with self.stream as stream:
            yield stream

    def pinned(self, role: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """A page-locked host array for asynchronous copies, reused per thread while the shape stays the same."""
        buffers: dict[str, np.ndarray] = self._local.__dict__.setdefault("pinned", {})
        array = buffers.get(role)
        if array is None or array.shape != shape or array.dtype != dtype:
            size = int(np.prod(shape)) * np.dtype(dtype).itemsize
            memory = self.cp.cuda.alloc_pinned_memory(size)
            array = buffers[role] = np.frombuffer(memory, dtype, int(np.prod(shape))).reshape(shape)
        return array

    def upload(self, host: np.ndarray, role: str) -> Any:
        """Host -> device through a pinned buffer, asynchronously on this thread's stream."""
        pending: dict[str, Any] = self._local.__dict__.setdefault("pending", {})
        if role in pending:
            pending.pop(role).synchronize()  # the previous copy out of this staging buffer has finished
        staging = self.pinned(role, host.shape, host.dtype)
        np.copyto(staging, host)
        device = self.cp.empty(host.shape, host.dtype)
        device.set(staging, stream=self.stream)
        pending[role] = self.stream.record()
        return device

    def download(self, device: Any, role: str) -> np.ndarray:
        """Device -> host through a pinned buffer; returns an ordinary array the caller may keep."""
        staging = self.pinned(role, device.shape, device.dtype)
        device.get(stream=self.stream, out=staging, blocking=False)
        self.stream.synchronize()
        return staging.copy()

    def _probe(self, backend: str, nvimgcodec: Any | None) -> bool:
        """Whether `backend` decodes a test JPEG on this GPU to what libjpeg-turbo sees (within JPEG's tolerance)."""
        if nvimgcodec is None:
            return False
        from gpu_worker.codecs import decode
        from gpu_worker.samples import jpeg_bytes

        data = jpeg_bytes(64, 96, seed=7)
        try:
            image = GpuCodec(backend, nvimgcodec).decode(data, self.stream)
            if image is None:
                return False
            pixels = self.cp.asnumpy(self.cp.asarray(image), stream=self.stream)
        except Exception:  # nvImageCodec raises for a backend this GPU lacks
            return False
        decoded = decode(data)
        assert isinstance(decoded, RenderedPhoto)  # a JPEG
        reference = decoded.pixels[..., :3]
        return pixels.shape == reference.shape and np.abs(pixels.astype(int) - reference).mean() < 2

    def warm_up(self) -> None:
        """Run every kernel once (a JPEG and a DNG of each Bayer pattern through the whole path), then wait."""
        from gpu_worker.codecs import decode
        from gpu_worker.gpu.render import render_variants_gpu
        from gpu_worker.photo import Options
        from gpu_worker.pipeline.demosaic import PATTERNS
        from gpu_worker.samples import dng_bytes, jpeg_bytes

        options = Options(long_edges=(48, 16))
        render_variants_gpu(self, decode(jpeg_bytes(64, 96, seed=1)), options)
        raw = decode(dng_bytes(64, 96, seed=1))
        assert isinstance(raw, RawPhoto)  # a DNG
        for pattern in PATTERNS:
            render_variants_gpu(self, replace(raw, pattern=pattern), options)
        self.stream.synchronize()
