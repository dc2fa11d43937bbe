"""The stores: atomic and first-writer-wins commits on a filesystem and on a real S3-compatible server."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gpu_worker.cloud_stores import S3Store
from gpu_worker.store import FileStore, InvalidKey, MissingObject, StoreError, open_store, write_atomically
from tests.s3_server import throttle

WRITES = 3000


def test_3000_concurrent_atomic_writes_all_succeed_and_readers_never_see_a_part(tmp_path: Path) -> None:
    targets = [tmp_path / f"out/{n}/full.jpg" for n in range(10)]
    payloads = {n: bytes([n % 256]) * (50_000 + n) for n in range(WRITES)}  # each write distinguishable
    torn: list[int] = []
    stop = threading.Event()

    def read_while_writing() -> None:  # a reader sees an old file or a whole new one, never a part
        while not stop.is_set():
            for target in targets:
                try:
                    data = target.read_bytes()
                except FileNotFoundError:
                    continue
                if data != payloads.get(len(data) - 50_000):
                    torn.append(len(data))

    reader = threading.Thread(target=read_while_writing)
    reader.start()
    with ThreadPoolExecutor(max_workers=64) as pool:
        failures = [
            f for f in [pool.submit(write_atomically, targets[n % 10], payloads[n]) for n in payloads] if f.exception()
        ]
    stop.set()
    reader.join()

    assert failures == [] and torn == []
    for target in targets:
        assert target.read_bytes() in payloads.values()
    assert not list(tmp_path.rglob("*.tmp"))  # every writer removed its own temporary file


def test_a_writer_never_touches_another_writers_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out/job/full.jpg"
    target.parent.mkdir(parents=True)
    in_flight = target.parent / ".full.jpg.abc123.tmp"  # another writer's, still being written
    in_flight.write_bytes(b"half a photo")

    write_atomically(target, b"the whole photo")

    assert target.read_bytes() == b"the whole photo"
    assert in_flight.read_bytes() == b"half a photo"


def test_concurrent_first_writer_wins_commits_write_once(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    with ThreadPoolExecutor(max_workers=32) as pool:
        won = list(pool.map(lambda n: store.put_new("t/job/full.jpg", f"writer {n}".encode()), range(200)))
    assert won.count(True) == 1
    assert store.get("t/job/full.jpg") == f"writer {won.index(True)}".encode()
    assert not list(tmp_path.rglob("*.tmp"))


def test_missing_objects_and_keys_that_leave_the_store_raise_store_errors(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "store")
    with pytest.raises(MissingObject, match=r"no object 't/a\.jpg'"):
        store.get("t/a.jpg")
    for key in ("../outside/a.jpg", "/etc/passwd", "t/../../x"):
        with pytest.raises(InvalidKey, match="leaves the store"):
            store.put_new(key, b"x")
    assert not (tmp_path / "outside").exists()


def test_keys_list_in_order_after_a_boundary(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    for key in ("_ledger/accepted/b.json", "_ledger/accepted/a.json", "_ledger/accepted/c.json", "t/x.jpg"):
        store.put_new(key, b"{}")
    assert list(store.keys("_ledger/accepted/", start_after="_ledger/accepted/a.json")) == [
        "_ledger/accepted/b.json",
        "_ledger/accepted/c.json",
    ]


def test_unknown_store_schemes_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported store"):
        open_store("ftp://example/photos")


def test_s3_commits_are_first_writer_wins_and_never_add_a_version(s3_server) -> None:
    bucket = s3_server.bucket()
    store = S3Store(bucket, "prefix", client=s3_server.client())
    assert store.put_new("t/job/full.jpg", b"first") is True
    assert store.put_new("t/job/full.jpg", b"second") is False  # 412 PreconditionFailed from If-None-Match: *
    assert store.get("t/job/full.jpg") == b"first"
    assert s3_server.versions(bucket) == {"prefix/t/job/full.jpg": 1}
    assert list(store.keys("t/")) == ["t/job/full.jpg"]
    with pytest.raises(MissingObject):
        store.get("t/none.jpg")


def test_s3_throttling_is_retried_by_the_sdk_and_then_a_store_error_names_the_key(s3_server) -> None:
    bucket = s3_server.bucket()
    client = s3_server.client(max_attempts=3)
    store = S3Store(bucket, "", client=client)
    throttled_once = throttle(client, "PutObject", "once.jpg", times=1)
    assert store.put_new("t/once.jpg", b"x") is True  # the adaptive retry mode absorbed one SlowDown
    assert throttled_once() == 1

    always = throttle(client, "PutObject", "always.jpg")
    with pytest.raises(StoreError, match=r"s3 PutObject 't/always.jpg': SlowDown \(503\)"):
        store.put_new("t/always.jpg", b"x")
    assert always() == 3  # every attempt the retry mode allows
