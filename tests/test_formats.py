"""Inputs are admitted from their header: the pixel limit before any decoding, memory bounded by bytes."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PIL import Image

from gpu_worker.formats import Format, InputRejected, bounded_groups, inspect, sniff, working_bytes
from gpu_worker.jobs import DEFAULT_GROUP, DEFAULT_STREAM, Job, JobStatus, dead_letters, enqueue
from gpu_worker.samples import dng_bytes, jpeg_bytes
from tests.redis_server import stored_job

RSS_BOUND_MB = 300


PEAK_KB = "int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')).split()[1])"


def _peak_rss_mb(code: str) -> tuple[float, str]:
    """Run `code` in a fresh interpreter; its peak resident memory (MB) and what it printed.

    VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across exec, so a child forked from a
    big pytest process would report the parent's size."""
    wrapper = code + f"\nprint('PEAK_KB', {PEAK_KB})"
    result = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, timeout=300)
    assert "PEAK_KB" in result.stdout, result.stderr
    peak_kb = int(result.stdout.rsplit("PEAK_KB", 1)[1])
    return peak_kb / 1024, result.stdout + result.stderr


@pytest.mark.slow
def test_a_200_megapixel_jpeg_is_refused_without_decoding_it(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    Image.new("RGB", (20000, 10000), (120, 110, 100)).save(tmp_path / "in/huge.jpg", quality=80)
    (tmp_path / "in/small.jpg").write_bytes(jpeg_bytes(120, 160))
    peak_mb, output = _peak_rss_mb(
        textwrap.dedent(f"""
        from gpu_worker.cli import main
        args = ["process", "{tmp_path / "in"}", "{tmp_path / "out"}", "--device", "cpu", "--long-edges", "64"]
        print("EXIT", main(args))
        """)
    )
    assert "EXIT 3" in output  # the huge one failed, the small one was processed
    entries = {e["input"]: e for e in map(json.loads, (tmp_path / "out/manifest.jsonl").read_text().splitlines())}
    assert entries["huge.jpg"]["error"] == "20000x10000 is 200.0 MP, over the 120 MP limit"
    assert entries["small.jpg"]["status"] == "done"
    assert peak_mb < RSS_BOUND_MB, f"peak {peak_mb:.0f} MB (decoding it would take 600 MB for the pixels alone)"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "make"), [("a.jpg", lambda: jpeg_bytes(3000, 4000, seed=3)), ("a.dng", lambda: dng_bytes(2000, 3000))]
)
def test_the_working_memory_estimate_covers_real_photos(tmp_path: Path, name: str, make) -> None:
    """One 12 MP JPEG or 6 MP DNG through the CPU pipeline grows the process by no more than its estimate."""
    data = make()
    (tmp_path / name).write_bytes(data)  # made here: the child's high-water mark sees only the processing
    code = textwrap.dedent(f"""
        from pathlib import Path
        from gpu_worker.device import select_device
        from gpu_worker.photo import Options
        from gpu_worker.process import process_bytes
        from gpu_worker.samples import jpeg_bytes
        data = Path("{tmp_path / name}").read_bytes()
        device = select_device("cpu")
        process_bytes(device, jpeg_bytes(30, 40), Options())  # imports and first-use allocations
        before = {PEAK_KB}
        process_bytes(device, data, Options())
        print("GROWTH_KB", {PEAK_KB} - before)
    """)
    _, output = _peak_rss_mb(code)
    growth = int(output.split("GROWTH_KB", 1)[1].split()[0]) * 1024
    estimate = working_bytes(inspect(data, name), len(data))
    assert 0 < growth <= estimate, (
        f"one photo grew the process by {growth / 1e6:.0f} MB, estimated {estimate / 1e6:.0f} MB"
    )


def test_an_input_over_the_pixel_limit_is_dead_lettered_at_once_and_its_batch_mates_go_on(
    redis_server, tmp_path
) -> None:
    from gpu_worker.device import select_device
    from gpu_worker.metrics import WorkerMetrics
    from gpu_worker.photo import Options
    from gpu_worker.process import BatchProcessor
    from gpu_worker.queue import Consumer, QueueSettings
    from gpu_worker.store import FileStore

    store = FileStore(tmp_path)
    store.put_new("s1/big.jpg", jpeg_bytes(300, 400))  # 0.12 MP, over a 0.1 MP limit
    store.put_new("s1/ok.jpg", jpeg_bytes(200, 300))  # 0.06 MP
    big, ok = Job.new("s1", "s1/big.jpg"), Job.new("s1", "s1/ok.jpg")
    client = redis_server.client()
    for job in (big, ok):
        enqueue(client, DEFAULT_STREAM, job)
    settings = QueueSettings(stream=DEFAULT_STREAM, group=DEFAULT_GROUP, max_megapixels=0.1, block_seconds=0.1)
    with BatchProcessor(select_device("cpu"), Options(long_edges=(64,))) as processor:
        Consumer(client, store, processor, settings, WorkerMetrics()).turn()
    assert stored_job(client, ok.id).status == JobStatus.DONE
    parked = stored_job(client, big.id)
    assert parked.status == JobStatus.DEAD_LETTERED and parked.attempts == 1
    assert parked.error == "input s1/big.jpg: 400x300 is 0.1 MP, over the 0.1 MP limit"
    assert [d.job().id for d in dead_letters(client, DEFAULT_STREAM)] == [big.id]


def test_groups_are_bounded_by_weight_and_a_heavy_item_goes_alone() -> None:
    weights = [3, 3, 3, 10, 1, 1, 1, 1]
    groups = list(bounded_groups(weights, lambda w: w, budget=7, max_items=3))
    assert groups == [[3, 3], [3], [10], [1, 1, 1], [1]]


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (jpeg_bytes(8, 8), "x.png", Format.JPEG),  # the bytes decide over a wrong suffix
        (b"\x89PNG\r\n\x1a\n....", "x", Format.PNG),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "IMG_0001.HEIC", Format.HEIF),
        (b"II*\x00....", "scan.tif", Format.TIFF),
        (b"II*\x00....", "shot.NEF", Format.RAW),  # TIFF-based RAWs are told apart by their suffix
    ],
)
def test_formats_are_told_from_magic_bytes_then_the_suffix(data: bytes, name: str, expected: Format) -> None:
    assert sniff(data, name) == expected


def test_what_the_worker_cannot_read_is_refused_with_the_reason() -> None:
    with pytest.raises(InputRejected, match=r"unsupported format \.gif"):
        sniff(b"GIF89a", "a.gif")
    with pytest.raises(InputRejected, match="not a readable PNG file"):
        sniff(b"GIF89a", "a.png")
    assert inspect(dng_bytes(64, 96), "a.dng").megapixels > 0
