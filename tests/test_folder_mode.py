"""`python -m gpu_worker process`: variants per input hash, a manifest, failures reported, re-runs skipped."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from gpu_worker.samples import dng_bytes, jpeg_bytes


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
    assert "3 photos processed, 0 already done, 1 failed" in result.stdout
    entries = {e["input"]: e for e in map(json.loads, (tmp_path / "out/manifest.jsonl").read_text().splitlines())}
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
