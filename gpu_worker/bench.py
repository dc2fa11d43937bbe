"""`python -m gpu_worker bench`: ms per photo and photos/s, per stage and end to end, against the
tools a user would otherwise pick, on the same machine in the same run.

- JPEG path: decode, orient, resize to the variants, sharpen, encode. Baseline: libvips (pyvips)
  doing the same work, single-threaded (VIPS_CONCURRENCY=1) for a per-core comparison.
- RAW path: unpack and develop a Bayer DNG. Baseline: LibRaw's own pipeline (rawpy `postprocess`
  with LINEAR demosaicking). Quality is measured too: PSNR against the scene the DNG was made from.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gpu_worker.codecs import decode, encode_jpeg
from gpu_worker.device import select_device
from gpu_worker.photo import DEFAULT_LONG_EDGES, Options, StageTimes, render_variants
from gpu_worker.pipeline import srgb_encode
from gpu_worker.samples import dng_bytes, jpeg_bytes, scene

# Sensor sizes: a 24 MP and a 50 MP full-frame camera.
SENSORS = {24: (4000, 6000), 50: (5792, 8688)}


@dataclass(frozen=True)
class Measurement:
    """Median seconds per photo over the repeats."""

    label: str
    seconds: float

    @property
    def ms(self) -> float:
        return self.seconds * 1000

    @property
    def photos_per_second(self) -> float:
        return 1 / self.seconds


def _median_seconds(run: Callable[[], object], repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _vips_jpeg_path(data: bytes, options: Options) -> None:
    import pyvips

    image = pyvips.Image.new_from_buffer(data, "", access="sequential").autorot()
    image.jpegsave_buffer(Q=options.quality)
    for edge in options.long_edges:
        variant = pyvips.Image.thumbnail_buffer(data, edge, height=edge, size="down")
        variant.sharpen().jpegsave_buffer(Q=options.quality)


def _libraw_linear(data: bytes) -> np.ndarray:
    import io

    import rawpy

    with rawpy.imread(io.BytesIO(data)) as raw:
        return raw.postprocess(
            demosaic_algorithm=rawpy.DemosaicAlgorithm.LINEAR,
            use_camera_wb=True,
            no_auto_bright=True,
            output_bps=8,
            output_color=rawpy.ColorSpace.sRGB,
        )


def _psnr(image: np.ndarray, truth: np.ndarray, border: int = 8) -> float:
    inner = (slice(border, -border), slice(border, -border))
    error = np.mean((image[inner].astype(np.float32) / 255 - truth[inner]) ** 2)
    return float(10 * np.log10(1 / error))


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}, NumPy {np.__version__}"


def _versions() -> str:
    import pyvips
    import rawpy

    return f"libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}, LibRaw {rawpy.libraw_version}"


def run_benchmark(megapixels: tuple[int, ...] = (24, 50), repeats: int = 3, device_choice: str = "auto") -> str:
    """Run every measurement and return the report as Markdown."""
    os.environ.setdefault("VIPS_CONCURRENCY", "1")
    device = select_device(device_choice)  # type: ignore[arg-type]
    options = Options(long_edges=DEFAULT_LONG_EDGES)
    lines = [
        f"Machine: {_machine()}; {_versions()}; array device: {device.name}.",
        f"Median of {repeats} runs per figure; variants full + {', '.join(map(str, options.long_edges))} px; "
        f"JPEG quality {options.quality}; libvips single-threaded (VIPS_CONCURRENCY=1).",
        "",
        "| Input | Path | Ours (ms/photo) | Baseline | Baseline (ms/photo) | Ours photos/s | Speed vs baseline |",
        "|---|---|---:|---|---:|---:|---:|",
    ]
    stage_lines = ["", "Stage breakdown of our pipeline (ms/photo, last run):", ""]
    quality_lines = ["", "RAW quality against the scene the DNG was made from (PSNR, dB, higher is better):", ""]
    for mp in megapixels:
        height, width = SENSORS[mp]
        jpeg = jpeg_bytes(height, width, seed=mp, quality=95)
        raw = dng_bytes(height, width, seed=mp)

        def ours_jpeg(data: bytes = jpeg) -> None:
            pixels = render_variants(device, decode(data), options)
            for image in pixels.values():
                encode_jpeg(image, options.quality)

        times = StageTimes()
        ours = Measurement("ours", _median_seconds(ours_jpeg, repeats))
        vips = Measurement("libvips", _median_seconds(lambda d=jpeg: _vips_jpeg_path(d, options), repeats))
        lines.append(_row(f"{mp} MP JPEG", "decode→variants→encode", ours, vips))

        def ours_raw(data: bytes = raw, stage_times: StageTimes | None = None) -> np.ndarray:
            photo = decode(data)
            return render_variants(device, photo, Options(long_edges=(), sharpen_amount=0), stage_times)["full"]

        ours_dev = Measurement("ours", _median_seconds(ours_raw, repeats))
        linear = Measurement("LibRaw LINEAR", _median_seconds(lambda d=raw: _libraw_linear(d), repeats))
        lines.append(_row(f"{mp} MP DNG", "unpack→demosaic→colour", ours_dev, linear))

        render_variants(device, decode(jpeg), options, times)
        ours_raw(stage_times=(raw_times := StageTimes()))
        stage_lines.append(f"- {mp} MP JPEG: " + ", ".join(f"{k} {v * 1000:.0f}" for k, v in times.seconds.items()))
        stage_lines.append(f"- {mp} MP DNG: " + ", ".join(f"{k} {v * 1000:.0f}" for k, v in raw_times.seconds.items()))
        truth = srgb_encode(scene(height, width, seed=mp))
        quality_lines.append(
            f"- {mp} MP: ours (Malvar-He-Cutler) {_psnr(ours_raw(), truth):.2f} dB, "
            f"LibRaw LINEAR {_psnr(_libraw_linear(raw), truth):.2f} dB"
        )
    return "\n".join(lines + stage_lines + quality_lines) + "\n"


def _row(label: str, path: str, ours: Measurement, baseline: Measurement) -> str:
    return (
        f"| {label} | {path} | {ours.ms:.0f} | {baseline.label} | {baseline.ms:.0f} | "
        f"{ours.photos_per_second:.2f} | {baseline.seconds / ours.seconds:.2f}x |"
    )
