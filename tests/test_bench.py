"""A smoke run of `python -m gpu_worker bench` on tiny photos: it measures, compares and reports (the full
benchmark is run by hand; see docs/benchmarks.md)."""

from __future__ import annotations

import re

from gpu_worker import bench


def test_the_benchmark_reports_ratios_against_libvips_and_libraw_memory_quality_and_stages(monkeypatch) -> None:
    monkeypatch.setattr(bench, "SENSORS", {1: (480, 720)})
    monkeypatch.setattr(bench, "GALLERY_PHOTOS", 2)
    report = bench.run_benchmark(megapixels=(1,), repeats=2, device_choice="cpu")
    rows = [line for line in report.splitlines() if line.startswith("| 1 MP")]
    assert [row.split("|")[4].strip() for row in rows] == [
        "libvips, default threads",
        "libvips, 1 thread",
        "LibRaw LINEAR",
    ]
    assert all(re.search(r"\| \d+\.\d\dx \|$", row) for row in rows)
    ours_db, libraw_db = map(float, re.findall(r"([\d.]+) dB", report))
    assert ours_db > 35 and ours_db > libraw_db
    assert re.search(r"peak RSS \d+ MB, \d+ page faults per photo", report)
    assert re.search(r"- 1 MP JPEG: decode [\d.]+, develop\+orient [\d.]+, resize\+sharpen [\d.]+, encode", report)
