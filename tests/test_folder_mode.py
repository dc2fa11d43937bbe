"""`python -m gpu_worker process`: variants per input hash, a manifest, failures reported, re-runs skipped."""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from gpu_worker.samples import dng_bytes, jpeg_bytes, scene


def _rendered(fmt: str, height: int = 300, width: int = 450, **save: object) -> bytes:
    """The synthetic scene saved by Pillow (PNG, TIFF) or pillow-heif (HEIF, which the worker reads with pi-heif)."""
    pixels = (scene(height, width, seed=7) * 255).round().astype(np.uint8)
    image = Image.fromarray(pixels, "RGB")
    buffer = io.BytesIO()
    if fmt == "HEIF":  # encoding needs pillow-heif's x265 (dev only); the worker decodes with pi-heif
        import pillow_heif

        pillow_heif.from_pillow(image).save(buffer, quality=95)
    else:
        image.save(buffer, format=fmt, **save)
    return buffer.getvalue()


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gpu_worker", "process", *args, "--long-edges", "256,64"],
        capture_output=True,
        text=True,
        timeout=300,
    )


def _gallery(folder: Path) -> dict[str, bytes]:
    files = {
        "ceremony/001.jpg": jpeg_bytes(300, 450, seed=1),
        "ceremony/002.dng": dng_bytes(300, 450, seed=2),
        "portraits/003.JPG": jpeg_bytes(450, 300, seed=3, orientation=8),
        "portraits/corrupt.jpg": jpeg_bytes(300, 450, seed=4)[:2500],
        "notes.txt": b"not a photo",
        ".DS_Store": b"\x00\x00\x00\x01Bud1",
        "ceremony/._001.jpg": b"\x00\x05\x16\x07 AppleDouble",
    }
    for name, content in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    return files


def test_mixed_gallery_with_a_corrupt_file_gives_variants_a_manifest_and_exit_3(tmp_path: Path) -> None:
    files = _gallery(tmp_path / "in")
    result = _run(str(tmp_path / "in"), str(tmp_path / "out"))

    assert result.returncode == 3
    assert "failed: " in result.stderr and "corrupt.jpg" in result.stderr
    assert "3 photos processed, 0 already done, 1 failed, 1 skipped (not a supported photo), 2 hidden" in result.stdout
    entries = {e["input"]: e for e in map(json.loads, (tmp_path / "out/manifest.jsonl").read_text().splitlines())}
    skipped = entries.pop("notes.txt")
    assert (skipped["status"], skipped["reason"]) == ("skipped", "unsupported format .txt")
    assert set(entries) == {"ceremony/001.jpg", "ceremony/002.dng", "portraits/003.JPG", "portraits/corrupt.jpg"}
    for name, entry in entries.items():
        assert entry["hash"] == hashlib.sha256(files[name]).hexdigest()
        if name.endswith("corrupt.jpg"):
            assert entry["status"] == "failed" and entry["outputs"] == [] and "JPEG" in entry["error"]
        else:
            assert entry["status"] == "done" and entry["error"] is None
            assert entry["outputs"] == [f"{entry['hash']}/{v}.jpg" for v in ("full", "256", "64")]
            assert all((tmp_path / "out" / o).stat().st_size > 0 for o in entry["outputs"])
    assert not list((tmp_path / "out").rglob("*.tmp"))


def test_rerunning_skips_what_is_done(tmp_path: Path) -> None:
    _gallery(tmp_path / "in")
    _run(str(tmp_path / "in"), str(tmp_path / "out"))
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*.jpg")}

    again = _run(str(tmp_path / "in"), str(tmp_path / "out"))

    assert "0 photos processed, 3 already done, 1 failed" in again.stdout
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "out").rglob("*.jpg")} == before


def test_a_clean_gallery_exits_0(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in/a.jpg").write_bytes(jpeg_bytes(120, 160))
    assert _run(str(tmp_path / "in"), str(tmp_path / "out")).returncode == 0


def test_png_tiff_and_heic_are_processed_like_jpeg(tmp_path: Path) -> None:
    inputs = {
        "a.png": _rendered("PNG"),
        "b.tif": _rendered("TIFF", compression="tiff_lzw"),
        "c.heic": _rendered("HEIF"),
    }
    for name, data in inputs.items():
        (tmp_path / "in" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "in" / name).write_bytes(data)
    result = _run(str(tmp_path / "in"), str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "3 photos processed" in result.stdout
    reference = scene(300, 450, seed=7) * 255
    for entry in map(json.loads, (tmp_path / "out/manifest.jsonl").read_text().splitlines()):
        assert entry["status"] == "done"
        with Image.open(tmp_path / "out" / entry["outputs"][0]) as full:
            assert full.size == (450, 300)
            error = np.abs(np.asarray(full.convert("RGB"), dtype=np.float32) - reference).mean()
            assert error < 6, (entry["input"], error)  # the same scene, through a lossy chain


def test_out_inside_in_is_never_scanned_again(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    for n in range(3):
        (tmp_path / f"in/{n}.jpg").write_bytes(jpeg_bytes(120, 160, seed=n))
    for _ in range(3):
        result = _run(str(tmp_path / "in"), str(tmp_path / "in/variants"))
    assert result.returncode == 0 and "0 photos processed, 3 already done, 0 failed, 0 skipped" in result.stdout
    assert len(list((tmp_path / "in/variants").rglob("*.jpg"))) == 3 * 3  # 3 photos x (full, 256, 64), not 12 or 39


def test_unreadable_and_vanished_inputs_are_named_and_the_rest_complete(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in/good.jpg").write_bytes(jpeg_bytes(120, 160))
    os.symlink("/proc/self/mem", tmp_path / "in/unreadable.jpg")  # opens, then every read fails (EIO), even as root
    os.symlink(tmp_path / "gone.jpg", tmp_path / "in/vanished.jpg")  # listed, but no longer there to read
    result = _run(str(tmp_path / "in"), str(tmp_path / "out"))
    assert result.returncode == 3
    assert "1 photos processed, 0 already done, 2 failed" in result.stdout
    assert "unreadable.jpg: cannot read: Input/output error" in result.stderr
    assert "vanished.jpg: vanished before it could be read" in result.stderr


def test_an_unwritable_out_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in/a.jpg").write_bytes(jpeg_bytes(120, 160))
    (tmp_path / "file").write_text("a file where a folder should be")
    result = _run(str(tmp_path / "in"), str(tmp_path / "file/out"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: cannot write to {tmp_path / 'file/out'}: Not a directory"


def test_a_second_worker_on_a_taken_health_port_says_which_port_and_flag_and_exits_2() -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "gpu_worker",
                "serve",
                "--redis",
                "redis://127.0.0.1:1",
                "--device",
                "cpu",
                "--health-port",
                str(port),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"error: port {port} (--health-port) is already in use" in result.stderr
    assert "Traceback" not in result.stderr
