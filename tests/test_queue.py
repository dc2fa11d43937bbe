"""The queue consumer against a real Redis: no job is ever lost, none is committed twice."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import redis

from gpu_worker.device import select_device
from gpu_worker.jobs import (
    DEFAULT_GROUP,
    DEFAULT_STREAM,
    Job,
    JobStatus,
    dead_letter_stream,
    dead_letters,
    enqueue,
    load,
)
from gpu_worker.ledger import Ledger
from gpu_worker.photo import Options
from gpu_worker.process import process_bytes
from gpu_worker.samples import dng_bytes, jpeg_bytes
from gpu_worker.store import FileStore
from tests.redis_server import free_port

LONG_EDGES = (128,)
VARIANTS = ("full", "128")


def _worker(server, store: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gpu_worker",
            "serve",
            "--redis",
            server.url,
            "--store",
            f"file://{store}",
            "--device",
            "cpu",
            "--long-edges",
            "128",
            "--batch-size",
            "4",
            "--claim-idle",
            "3",
            "--heartbeat",
            "0.5",
            "--retry-delay",
            "0.2",
            "--health-port",
            "0",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait(condition: Callable[[], bool], timeout: float = 90, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _photos(store: Path, count: int) -> dict[str, bytes]:
    photos = {}
    for i in range(count):
        key = f"gallery/{i:03d}.{'dng' if i % 3 == 0 else 'jpg'}"
        data = dng_bytes(360, 540, seed=i) if i % 3 == 0 else jpeg_bytes(360, 540, seed=i)
        (store / key).parent.mkdir(parents=True, exist_ok=True)
        (store / key).write_bytes(data)
        photos[key] = data
    return photos


def _submit(client, photos: dict[str, bytes]) -> dict[Job, str]:
    jobs = {Job.new("gallery", key): key for key in photos}
    for job in jobs:
        enqueue(client, DEFAULT_STREAM, job)
    return jobs


def _pending(client) -> int:
    """Entries delivered and not yet acknowledged (0 before any worker has created the group)."""
    try:
        return client.xpending(DEFAULT_STREAM, DEFAULT_GROUP)["pending"]
    except redis.ResponseError:
        return 0


def _status(client, job: Job) -> JobStatus:
    stored = load(client, job.id)
    assert stored is not None, job
    return stored.status


def _done(client, jobs) -> int:
    return sum(_status(client, job) == JobStatus.DONE for job in jobs)


def _assert_every_job_committed_exactly_once(
    client, store: Path, jobs: dict[Job, str], photos, dead_letters: int = 0, killed_writes: int = 0
) -> None:
    cpu = select_device("cpu")
    for job, key in jobs.items():
        assert _status(client, job) == JobStatus.DONE, key
        expected = process_bytes(cpu, photos[key], Options(long_edges=LONG_EDGES))
        for variant in VARIANTS:
            assert (store / job.output_key(variant)).read_bytes() == expected[variant], key
        final = Ledger(FileStore(store)).final(job.id)
        assert final is not None and final.status == JobStatus.DONE  # its done record
    outputs = [p for job in jobs for p in (store / job.output).rglob("[!.]*") if p.is_file()]
    assert sorted(p.name for p in outputs) == sorted(f"{v}.jpg" for _ in jobs for v in VARIANTS)  # one per variant
    # A writer killed mid-write leaves its hidden temporary file (no other writer may remove it): at most
    # one per photo it had in flight, never seen as an output.
    assert len(list(store.rglob(".*.tmp"))) <= killed_writes
    assert _pending(client) == 0
    assert client.xlen(DEFAULT_STREAM) == 0  # acknowledged entries are trimmed
    assert client.xlen(dead_letter_stream(DEFAULT_STREAM)) == dead_letters


def test_sigkill_mid_batch_loses_no_job_and_commits_each_variant_once(redis_server, tmp_path: Path) -> None:
    client = redis_server.client()
    photos = _photos(tmp_path, 16)
    jobs = _submit(client, photos)
    first = _worker(redis_server, tmp_path)
    try:
        _wait(lambda: _done(client, jobs) >= 1 and _pending(client) > 0, what="the first worker to be mid-batch")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        in_flight = _pending(client)
        assert 0 < _done(client, jobs) < len(jobs) and in_flight > 0  # killed with work in its hands
    finally:
        first.kill()

    second = _worker(redis_server, tmp_path)
    try:
        _wait(lambda: _done(client, jobs) == len(jobs), what="all jobs to be done")
        _wait(lambda: client.xlen(DEFAULT_STREAM) == 0, what="the stream to be trimmed")
    finally:
        second.terminate()
        second.wait(timeout=60)
    _assert_every_job_committed_exactly_once(client, tmp_path, jobs, photos, killed_writes=4)  # its batch size


def test_poison_job_is_dead_lettered_after_n_tries_and_the_rest_go_on(redis_server, tmp_path: Path) -> None:
    client = redis_server.client()
    photos = _photos(tmp_path, 2)
    (tmp_path / "gallery/poison.jpg").write_bytes(jpeg_bytes(480, 640)[:6000])  # decodes as far as its pixels
    poison = Job.new("gallery", "gallery/poison.jpg")
    enqueue(client, DEFAULT_STREAM, poison)
    jobs = _submit(client, photos)
    worker = _worker(redis_server, tmp_path, "--max-deliveries", "3")
    try:
        _wait(lambda: client.xlen(dead_letter_stream(DEFAULT_STREAM)) == 1, what="the poison job to be dead-lettered")
        _wait(lambda: _done(client, jobs) == len(jobs), what="the good jobs")
    finally:
        worker.terminate()
        worker.wait(timeout=60)

    (dead,) = dead_letters(client, DEFAULT_STREAM)
    assert dead.job() == poison
    assert dead.deliveries == 3  # parked as soon as the 3rd and last allowed attempt failed
    assert "not a readable JPEG" in dead.error
    parked = load(client, poison.id)
    assert parked is not None
    assert (parked.status, parked.attempts, parked.error) == (JobStatus.DEAD_LETTERED, 3, dead.error)
    assert not (tmp_path / poison.output).exists()
    _assert_every_job_committed_exactly_once(client, tmp_path, jobs, photos, dead_letters=1)


def test_sigterm_finishes_and_acknowledges_the_current_batch_then_exits(redis_server, tmp_path: Path) -> None:
    client = redis_server.client()
    photos = _photos(tmp_path, 12)
    jobs = _submit(client, photos)
    worker = _worker(redis_server, tmp_path)
    _wait(lambda: _pending(client) > 0, what="a batch in flight")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0

    done = _done(client, jobs)
    assert done >= 1
    assert _pending(client) == 0  # nothing left half-done
    assert client.xlen(DEFAULT_STREAM) == len(jobs) - done  # the rest wait, untouched, for the next worker
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_redis_outage_is_waited_out_and_work_resumes(redis_server, tmp_path: Path) -> None:
    worker = _worker(redis_server, tmp_path)
    try:
        _wait(lambda: redis_server.client().exists(DEFAULT_STREAM) == 1, what="the worker to create its group")
        redis_server.stop()
        time.sleep(2)
        assert worker.poll() is None  # still alive, retrying
        redis_server.start()
        client = redis_server.client()
        photos = _photos(tmp_path, 2)
        jobs = _submit(client, photos)
        _wait(lambda: _done(client, jobs) == len(jobs), what="jobs after the outage")
    finally:
        worker.terminate()
        worker.wait(timeout=60)


def test_health_and_metrics_endpoints(redis_server, tmp_path: Path) -> None:
    port = free_port()
    worker = _worker(redis_server, tmp_path, "--health-port", str(port))
    try:
        base = f"http://127.0.0.1:{port}"

        def ready() -> bool:
            try:
                return urllib.request.urlopen(f"{base}/readyz", timeout=1).status == 200
            except OSError:
                return False

        _wait(ready, what="readiness")
        assert urllib.request.urlopen(f"{base}/healthz", timeout=1).status == 200
        client = redis_server.client()
        jobs = _submit(client, _photos(tmp_path, 1))
        _wait(lambda: _done(client, jobs) == 1, what="one job")

        def scrape() -> str:
            return urllib.request.urlopen(f"{base}/metrics", timeout=1).read().decode()

        # the counters move just after the status is committed, so a scrape may come in between
        _wait(lambda: "wedsync_job_latency_seconds_count 1.0" in scrape(), timeout=10, what="the latency sample")
        metrics = scrape()
        assert "wedsync_jobs_done_total 1.0" in metrics
        assert "wedsync_queue_lag" in metrics and "wedsync_device_memory_bytes" in metrics
    finally:
        worker.terminate()
        worker.wait(timeout=60)
