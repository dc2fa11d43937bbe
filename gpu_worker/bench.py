"""`python -m gpu_worker bench`: the pipeline timed from outside against what a user would otherwise run,
on the same machine, in the same run, on the same gallery.

- JPEG path: decode, orient, variants (full, 2048, 1024, 400 px, sharpened), JPEG q90 with metadata.
  Ours runs as the worker does (`BatchProcessor`, one photo per core) in a child process, which
  also gives its peak RSS and page faults per photo. Baselines: libvips (`autorot` + `jpegsave`,
  `thumbnail` + `sharpen` + `jpegsave` per variant, operation cache off) with its default threading,
  and single-threaded; ours single-threaded as well, for the per-core comparison.
- RAW path: unpack and develop a Bayer DNG, against LibRaw's own `postprocess` with LINEAR
  demosaicking (rawpy, its OpenMP threads), plus PSNR against the scene the DNG was made from.
- Stages: wall time on the CPU; CUDA events on the GPU (`gpu_worker.gpu.timing`).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import platform
import resource
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

import numpy as np

from gpu_worker.baselines import elapsed, libraw_linear, libvips_round, psnr
from gpu_worker.codecs import FrameBuffers, decode, encode_jpeg
from gpu_worker.device import Device, select_device
from gpu_worker.metadata import Metadata
from gpu_worker.photo import FULL, Options, resized_variants, upright_frame
from gpu_worker.pipeline import srgb_encode
from gpu_worker.process import BatchProcessor, usable_cores
from gpu_worker.samples import dng_bytes, jpeg_bytes, scene

SENSORS = {24: (4000, 6000), 50: (5792, 8688)}  # a 24 MP and a 50 MP full-frame camera
GALLERY_PHOTOS = 4
OPTIONS = Options()
T = TypeVar("T")


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM). Not `ru_maxrss`, which keeps the parent's peak across fork and exec."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


_child: dict = {}  # the worker's state inside its own process


def _child_start(device_choice: str, photos: list[bytes], threads: int | None) -> None:
    device = select_device(device_choice)  # type: ignore[arg-type]
    processor = BatchProcessor(device, OPTIONS, threads)
    items = [(str(index), photo) for index, photo in enumerate(photos)]
    assert all(result.ok for result in processor.process(items[:1]))  # warm: buffers, kernels, plans
    _child.update(device=device, processor=processor, items=items, faults=0, photos=0)


def _child_round() -> float:
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    seconds = elapsed(lambda: list(_child["processor"].process(_child["items"])))
    _child["faults"] += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    _child["photos"] += len(_child["items"])
    return seconds / len(_child["items"])


def _child_stats() -> dict[str, float]:
    return {
        "rss_mb": peak_rss_mb(),
        "faults": _child["faults"] / max(1, _child["photos"]),
        "device_mb": _device_pool_bytes(_child["device"]) / 2**20,
        "threads": _child["processor"].threads,
    }


def _device_pool_bytes(device: Device) -> int:
    """Bytes CuPy's pool holds: it keeps what it once allocated, so this is the peak (0 on the CPU)."""
    return int(device.xp.get_default_memory_pool().total_bytes()) if device.name == "gpu" else 0


class ChildWorker:
    """The worker (`BatchProcessor`) in its own process, so its RSS and page faults are its own."""

    def __init__(self, device_choice: str, photos: list[bytes], threads: int | None = None):
        self._pool = multiprocessing.get_context("spawn").Pool(1, _child_start, (device_choice, photos, threads))

    def round(self) -> float:
        """Seconds per photo for one pass over the gallery."""
        return self._pool.apply(_child_round)

    def stats(self) -> dict[str, float]:
        return self._pool.apply(_child_stats)

    def close(self) -> None:
        self._pool.close()
        self._pool.join()


def develop_round(dngs: list[bytes], pool: ThreadPoolExecutor, buffers: FrameBuffers) -> float:
    """Seconds per photo to unpack and develop the DNGs to 8-bit sRGB (no variants, no encode: what LibRaw does)."""

    def develop(data: bytes) -> np.ndarray:
        return upright_frame(decode(data), OPTIONS, buffers)

    return elapsed(lambda: list(pool.map(develop, dngs))) / len(dngs)


def cpu_stages(data: bytes) -> dict[str, float]:
    """Wall milliseconds per stage for one photo on one thread (the CPU path, timed from outside)."""
    buffers = FrameBuffers()
    times: dict[str, float] = {}

    def timed(stage: str, step: Callable[[], T]) -> T:
        start = time.perf_counter()
        result = step()
        times[stage] = (time.perf_counter() - start) * 1000
        return result

    def encode_all(variants: dict[str, np.ndarray], metadata: Metadata) -> list[bytes]:
        return [encode_jpeg(image, 90, metadata) for image in variants.values()]

    for _ in range(2):  # the second pass is steady state (buffers reused)
        photo = timed("decode", partial(decode, data, buffers))
        frame = timed("develop+orient", partial(upright_frame, photo, OPTIONS, buffers))
        variants = {FULL: frame, **timed("resize+sharpen", partial(resized_variants, frame, OPTIONS))}
        timed("encode", partial(encode_all, variants, photo.metadata))
    return times


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {usable_cores()} usable cores ({os.cpu_count()} logical), Python {platform.python_version()}"


def versions() -> str:
    import numba
    import PIL
    import pyvips
    import rawpy
    import simplejpeg

    return (
        f"NumPy {np.__version__}, Pillow {PIL.__version__}, simplejpeg {simplejpeg.__version__} (libjpeg-turbo), "
        f"Numba {numba.__version__}, "
        f"libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}, "
        f"LibRaw {'.'.join(map(str, rawpy.libraw_version))}"
    )


class Rounds:
    """Seconds per photo of each contender, one sample per round; contenders alternate within a round,
    so a noisy neighbour slows both sides of a comparison alike."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {}

    def add(self, name: str, seconds: float) -> None:
        self.samples.setdefault(name, []).append(seconds)

    def row(self, label: str, ours: str, baseline: str) -> str:
        mine, theirs = self.samples[ours], self.samples[baseline]
        ratio = statistics.median(a / b for a, b in zip(mine, theirs, strict=True))
        ours_s, theirs_s = statistics.median(mine), statistics.median(theirs)
        return (
            f"| {label} | {ours_s * 1000:.0f} | {1 / ours_s:.2f} | {baseline} | {theirs_s * 1000:.0f} | {ratio:.2f}x |"
        )


def _jpeg_rounds(device_name: str, jpegs: list[bytes], repeats: int, mp: int) -> tuple[list[str], dict[str, float]]:
    rounds = Rounds()
    workers = {"parallel": ChildWorker(device_name, jpegs)}
    if device_name == "cpu":
        workers["1 thread"] = ChildWorker(device_name, jpegs, threads=1)
    try:
        for _ in range(repeats):
            rounds.add("parallel", workers["parallel"].round())
            rounds.add("libvips, default threads", libvips_round(jpegs, 0, OPTIONS))
            if "1 thread" in workers:
                rounds.add("1 thread", workers["1 thread"].round())
                rounds.add("libvips, 1 thread", libvips_round(jpegs, 1, OPTIONS))
        stats = workers["parallel"].stats()
    finally:
        for worker in workers.values():
            worker.close()
    rows = [
        rounds.row(f"{mp} MP JPEG, ours, {stats['threads']} photos at a time", "parallel", "libvips, default threads")
    ]
    if "1 thread" in workers:
        rows.append(rounds.row(f"{mp} MP JPEG, ours, 1 thread", "1 thread", "libvips, 1 thread"))
    return rows, stats


def _raw_rounds(dngs: list[bytes], repeats: int, mp: int) -> str:
    rounds, buffers = Rounds(), FrameBuffers()
    upright_frame(decode(dngs[0]), OPTIONS, buffers)  # warm: Numba compiles the develop loop on first use
    with ThreadPoolExecutor(usable_cores()) as pool:
        for _ in range(repeats):
            rounds.add("ours", develop_round(dngs, pool, buffers))
            rounds.add("LibRaw LINEAR", elapsed(lambda: [libraw_linear(x) for x in dngs]) / len(dngs))
    return rounds.row(f"{mp} MP DNG, develop only, {usable_cores()} photos at a time", "ours", "LibRaw LINEAR")


def run_benchmark(megapixels: tuple[int, ...] = (24, 50), repeats: int = 3, device_choice: str = "auto") -> str:
    """Run every measurement and return the report as Markdown."""
    logging.getLogger("pyvips").setLevel(logging.WARNING)  # libvips narrates every operation at INFO
    start_load = os.getloadavg()[0]
    device = select_device(device_choice)  # type: ignore[arg-type]
    lines = [
        f"Machine: {machine()}; {versions()}; device: {device.name} (JPEG decode: {device.decode_backend}).",
        f"Gallery of {GALLERY_PHOTOS} photos per size; {repeats} rounds, contenders alternating within each; "
        f"medians. Variants full + {', '.join(map(str, OPTIONS.long_edges))} px, JPEG q{OPTIONS.quality}. "
        "Time ratio = median per round of our time / the baseline's (below 1: we are faster).",
        "",
        "| Run | Ours (ms/photo) | Ours photos/s | Baseline | Baseline (ms/photo) | Time ratio |",
        "|---|---:|---:|---|---:|---:|",
    ]
    notes, memory_lines, stage_lines = [""], [""], ["", f"Stages of one photo (ms; {stage_clock(device)}):", ""]
    for mp in megapixels:
        height, width = SENSORS[mp]
        jpegs = [jpeg_bytes(height, width, seed=mp + i, quality=95) for i in range(GALLERY_PHOTOS)]
        rows, stats = _jpeg_rounds(device.name, jpegs, repeats, mp)
        lines += rows
        memory_lines.append(
            f"- {mp} MP JPEG gallery, {stats['threads']} photos at a time: peak RSS {stats['rss_mb']:.0f} MB, "
            f"{stats['faults']:.0f} page faults per photo, peak device memory (CuPy pool) {stats['device_mb']:.0f} MB"
        )
        dngs = [dng_bytes(height, width, seed=mp + i) for i in range(GALLERY_PHOTOS)]
        lines.append(_raw_rounds(dngs, repeats, mp))
        for label, data in ((f"{mp} MP JPEG", jpegs[0]), (f"{mp} MP DNG", dngs[0])):
            stage_lines.append(f"- {label}: " + ", ".join(f"{k} {v:.1f}" for k, v in stages(device, data).items()))
        truth = srgb_encode(scene(height, width, seed=mp))
        developed = upright_frame(decode(dngs[0]), Options(long_edges=()), FrameBuffers())
        notes.append(
            f"- {mp} MP DNG quality against the true scene: ours (Malvar-He-Cutler) {psnr(developed, truth):.2f} dB, "
            f"LibRaw LINEAR {psnr(libraw_linear(dngs[0]), truth):.2f} dB"
        )
    load = [
        "",
        f"Load average (1 min) at the start and the end: {start_load:.1f}, {os.getloadavg()[0]:.1f} "
        f"(above {usable_cores()}: other processes shared the cores during the run).",
    ]
    return "\n".join(lines + notes + memory_lines + stage_lines + load) + "\n"


def stage_clock(device: Device) -> str:
    return "CUDA events on the device's stream" if device.name == "gpu" else "wall time, one thread, steady state"


def stages(device: Device, data: bytes) -> dict[str, float]:
    """Milliseconds per stage for one photo, timed from outside the pipeline."""
    if device.name == "gpu":
        from gpu_worker.gpu.timing import gpu_stages

        return gpu_stages(device.context, data, OPTIONS)
    return cpu_stages(data)
