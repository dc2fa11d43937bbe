"""What the consumer records at each turn, against a real Redis: the job's status says what happened."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gpu_worker.device import select_device
from gpu_worker.jobs import DEFAULT_GROUP, DEFAULT_STREAM, Job, JobStatus, dead_letters, enqueue, load, save
from gpu_worker.metrics import WorkerMetrics
from gpu_worker.photo import Options
from gpu_worker.process import BatchProcessor
from gpu_worker.queue import Consumer, QueueSettings
from gpu_worker.samples import jpeg_bytes
from gpu_worker.store import FileStore

MAX_DELIVERIES = 2
CLAIM_IDLE = 0.2  # seconds before another consumer's pending entry counts as a dead worker's


def _consumer(redis_server, store: Path, processor: Any, name: str) -> Consumer:
    settings = QueueSettings(
        stream=DEFAULT_STREAM,
        group=DEFAULT_GROUP,
        max_deliveries=MAX_DELIVERIES,
        retry_delay_seconds=0,
        claim_idle_seconds=CLAIM_IDLE,
        block_seconds=0.1,
        consumer=name,
    )
    return Consumer(redis_server.client(), FileStore(store), processor, settings, WorkerMetrics())


@pytest.fixture
def consumer(redis_server, tmp_path: Path) -> Iterator[Consumer]:
    with BatchProcessor(select_device("cpu"), Options(long_edges=(64,))) as processor:
        yield _consumer(redis_server, tmp_path, processor, "live-worker")


class _Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs."""


class _DyingProcessor:
    """A processor whose worker dies while processing, as on a photo that takes the process down."""

    device = select_device("cpu")

    def process(self, inputs: object) -> Iterator[Any]:
        raise _Killed


def _stored(consumer: Consumer, job: Job) -> Job:
    stored = load(consumer.client, job.id)
    assert stored is not None, job
    return stored


def _photo(store: Path, key: str, data: bytes) -> str:
    (store / key).parent.mkdir(parents=True, exist_ok=True)
    (store / key).write_bytes(data)
    return key


def _metric(consumer: Consumer, name: str) -> float | None:
    return consumer.metrics.registry.get_sample_value(name)


def _enqueued(consumer: Consumer, tmp_path: Path, key: str, data: bytes) -> Job:
    job = Job.new("gallery", _photo(tmp_path, key, data))
    enqueue(consumer.client, DEFAULT_STREAM, job)
    return job


def test_a_failing_job_is_failed_between_attempts_then_dead_lettered(consumer, tmp_path: Path) -> None:
    job = _enqueued(consumer, tmp_path, "gallery/bad.jpg", jpeg_bytes(480, 640)[:6000])  # a sound header, cut short
    consumer.turn()
    first = _stored(consumer, job)
    assert (first.status, first.attempts) == (JobStatus.FAILED, 1)  # failed, and will be retried
    assert "not a readable JPEG" in first.error
    assert dead_letters(consumer.client, DEFAULT_STREAM) == []

    consumer.turn()  # the retry, and the last attempt allowed
    last = _stored(consumer, job)
    assert (last.status, last.attempts) == (JobStatus.DEAD_LETTERED, MAX_DELIVERIES)
    assert "not a readable JPEG" in last.error
    (dead,) = dead_letters(consumer.client, DEFAULT_STREAM)
    assert (dead.job(), dead.deliveries, dead.error) == (job, MAX_DELIVERIES, last.error)
    assert consumer.client.xlen(DEFAULT_STREAM) == 0
    assert _metric(consumer, "wedsync_jobs_failed_total") == 2
    assert _metric(consumer, "wedsync_jobs_dead_lettered_total") == 1


def test_a_job_its_workers_keep_dying_on_is_dead_lettered_with_the_reason(
    consumer, redis_server, tmp_path: Path
) -> None:
    job = _enqueued(consumer, tmp_path, "gallery/a.jpg", jpeg_bytes(48, 64))
    doomed = _consumer(redis_server, tmp_path, _DyingProcessor(), "doomed-worker")
    for attempt in range(1, MAX_DELIVERIES + 1):
        with pytest.raises(_Killed):
            doomed.turn()
        assert (_stored(consumer, job).status, _stored(consumer, job).attempts) == (JobStatus.PROCESSING, attempt)

    time.sleep(CLAIM_IDLE * 1.5)
    consumer.turn()  # reclaims it: delivered once more than allowed, and no attempt ever finished
    parked = _stored(consumer, job)
    assert (parked.status, parked.attempts) == (JobStatus.DEAD_LETTERED, MAX_DELIVERIES)
    assert parked.error == f"no attempt finished in {MAX_DELIVERIES} deliveries"
    (dead,) = dead_letters(consumer.client, DEFAULT_STREAM)
    assert (dead.job(), dead.deliveries) == (job, MAX_DELIVERIES + 1)
    assert not (tmp_path / job.output).exists()


def test_an_entry_that_describes_no_job_is_parked_and_the_rest_go_on(consumer, tmp_path: Path) -> None:
    entry = consumer.client.xadd(DEFAULT_STREAM, {"input": "a.jpg"})
    good = _enqueued(consumer, tmp_path, "gallery/a.jpg", jpeg_bytes(48, 64))
    consumer.turn()
    (dead,) = dead_letters(consumer.client, DEFAULT_STREAM)
    assert (dead.entry, dict(dead.fields), dead.error) == (entry, {"input": "a.jpg"}, "stream entry lacks job, output")
    assert _stored(consumer, good).status == JobStatus.DONE
    assert consumer.client.xlen(DEFAULT_STREAM) == 0


def test_a_stale_delivery_of_a_done_job_is_acknowledged_not_redone(consumer, tmp_path: Path) -> None:
    job = _enqueued(consumer, tmp_path, "gallery/a.jpg", jpeg_bytes(48, 64))
    done = job.start().finish([job.output_key("full")])
    save(consumer.client, done)  # as if an earlier delivery had finished it
    consumer.turn()
    assert _stored(consumer, job) == done  # done -> processing refused: nothing rewritten
    assert not (tmp_path / job.output).exists()
    assert consumer.client.xlen(DEFAULT_STREAM) == 0 and dead_letters(consumer.client, DEFAULT_STREAM) == []


def test_an_output_prefix_that_leaves_the_store_is_dead_lettered_at_once(consumer, tmp_path: Path) -> None:
    job = replace(Job.new("gallery", _photo(tmp_path, "gallery/a.jpg", jpeg_bytes(48, 64))), output="../outside")
    enqueue(consumer.client, DEFAULT_STREAM, job)  # as an old or forged entry could name it
    consumer.turn()
    failed = _stored(consumer, job)
    assert failed.status == JobStatus.DEAD_LETTERED and "cannot write output: key '../outside/full.jpg'" in failed.error
    assert not (tmp_path.parent / "outside").exists()


def test_unknown_and_malformed_job_ids_have_no_record(redis_server) -> None:
    assert load(redis_server.client(), "0" * 32) is None
    assert load(redis_server.client(), "../../etc/passwd") is None
