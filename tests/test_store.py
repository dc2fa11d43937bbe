"""The file store: atomic writes, no escape from the root, no leftovers after a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpu_worker.store import FileStore, open_store, write_atomically


def test_a_write_interrupted_by_a_crash_leaves_nothing_once_the_job_is_redone(tmp_path: Path) -> None:
    target = tmp_path / "out/job/full.jpg"
    target.parent.mkdir(parents=True)
    (target.parent / ".full.jpg.abc123.tmp").write_bytes(b"half a photo")  # what a SIGKILL leaves behind

    write_atomically(target, b"the whole photo")

    assert target.read_bytes() == b"the whole photo"
    assert sorted(p.name for p in target.parent.iterdir()) == ["full.jpg"]


def test_keys_cannot_leave_the_store(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    with pytest.raises(ValueError, match="leaves the store"):
        store.put("../outside.jpg", b"x")
    store.put("inside/a.jpg", b"x")
    assert store.exists("inside/a.jpg") and store.get("inside/a.jpg") == b"x"


def test_unknown_store_schemes_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported store"):
        open_store("ftp://example/photos")
