"""Per-stage GPU time of one photo with CUDA events on the worker's stream (for the benchmark; the pipeline
itself has no timing code). Host-side stages (LibRaw unpack, metadata) are wall time."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

from gpu_worker.gpu.context import GpuContext
from gpu_worker.gpu.render import decode_on_device, encode_variants_gpu, resized_variants_gpu, upright_frame_gpu
from gpu_worker.photo import FULL, Options


def gpu_stages(context: GpuContext, data: bytes, options: Options, passes: int = 3) -> dict[str, float]:
    """Milliseconds per stage (the last of `passes`, so plans and buffers are warm), plus the whole photo."""
    cp = context.cp
    times: dict[str, float] = {}

    def timed(stage: str, step: Callable[[], Any]) -> Any:
        start, end = cp.cuda.Event(), cp.cuda.Event()
        wall = time.perf_counter()
        start.record(context.stream)
        result = step()
        end.record(context.stream)
        end.synchronize()
        times[stage] = cp.cuda.get_elapsed_time(start, end)
        times[f"{stage} (wall)"] = (time.perf_counter() - wall) * 1000
        return result

    for _ in range(passes):
        with context.on_stream():
            started = time.perf_counter()
            photo, pixels = timed("decode", partial(decode_on_device, context, data))
            frame = timed("develop+orient", partial(upright_frame_gpu, context, photo, options, pixels))
            variants = {FULL: frame, **timed("resize+sharpen", partial(resized_variants_gpu, context, frame, options))}
            timed("encode", partial(encode_variants_gpu, context, variants, photo, options))
            times["photo (wall)"] = (time.perf_counter() - started) * 1000
    times["device pool MB"] = cp.get_default_memory_pool().total_bytes() / 2**20
    return times
