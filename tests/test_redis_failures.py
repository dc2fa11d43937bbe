"""Losing Redis loses no job, and a failover does not stop the worker.

Redis here is a real server (tests/redis_server.py) without persistence; the store is a real
S3-compatible server with versioning, so "one object per variant" is counted in versions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from gpu_worker.cloud_stores import S3Store
from gpu_worker.device import select_device
from gpu_worker.jobs import DEFAULT_GROUP, DEFAULT_STREAM, Job, JobStatus, enqueue, load
from gpu_worker.ledger import Ledger, submit
from gpu_worker.metrics import WorkerMetrics
from gpu_worker.photo import Options
from gpu_worker.process import BatchProcessor
from gpu_worker.queue import Consumer, QueueSettings
from gpu_worker.reconcile import ReconcileSettings, reconcile_once
from gpu_worker.redis_client import connect
from gpu_worker.samples import jpeg_bytes
from gpu_worker.store import FileStore, Store
from tests.redis_server import RedisServer, replication_up, stored_job
from tests.tcp_proxy import TcpProxy

VARIANTS = ("full", "64")
SETTINGS = QueueSettings(
    stream=DEFAULT_STREAM,
    group=DEFAULT_GROUP,
    batch_size=4,
    block_seconds=0.1,
    retry_delay_seconds=0.1,
    claim_idle_seconds=1,
)


def _wait(condition: Callable[[], bool], timeout: float = 120, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _gallery(store: Store, count: int) -> list[str]:
    keys = [f"studio-a/wedding/{n:03d}.jpg" for n in range(count)]
    for n, key in enumerate(keys):
        store.put_new(key, jpeg_bytes(96, 128, seed=n))
    return keys


class _Worker:
    """A consumer running its loop in a thread, as `serve` runs it."""

    def __init__(self, client: redis.Redis, store: Store, processor: BatchProcessor, name: str):
        self.consumer = Consumer(client, store, processor, _settings(name), WorkerMetrics())
        self.thread = threading.Thread(target=self.consumer.run, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.consumer.stop()
        self.thread.join(timeout=30)


def _settings(name: str) -> QueueSettings:
    return QueueSettings(**{**SETTINGS.__dict__, "consumer": name})


@pytest.mark.slow
def test_losing_redis_with_30_jobs_queued_loses_none_and_commits_each_variant_once(redis_server, s3_server) -> None:
    bucket = s3_server.bucket()
    store = S3Store(bucket, "", client=s3_server.client())
    ledger, client = Ledger(store), redis_server.client()
    jobs = [Job.new("studio-a", key) for key in _gallery(store, 30)]
    for job in jobs:
        submit(ledger, client, DEFAULT_STREAM, job)  # as the API does: the ledger first

    with BatchProcessor(select_device("cpu"), Options(long_edges=(64,))) as processor:
        early = Consumer(client, store, processor, _settings("early"), WorkerMetrics())
        early.turn()  # some are done before the loss
        done_before = sum(ledger.final(job.id) is not None for job in jobs)
        assert 0 < done_before < 30

        redis_server.stop()  # no persistence: every queued entry, status and the group are gone
        redis_server.start()
        assert client.xlen(DEFAULT_STREAM) == 0 and all(load(client, job.id) is None for job in jobs)

        requeued = reconcile_once(client, ledger, ReconcileSettings(stream=DEFAULT_STREAM, grace=_no_grace()))
        assert {job.id for job in requeued} == {job.id for job in jobs if ledger.final(job.id) is None}
        for job in jobs[:5]:  # and a stale extra delivery of some, as after a lost acknowledgement
            enqueue(client, DEFAULT_STREAM, job)

        workers = [_Worker(client, store, processor, f"worker-{n}") for n in range(2)]
        try:
            _wait(lambda: all(ledger.final(job.id) is not None for job in jobs), what="every job done")
            _wait(lambda: client.xlen(DEFAULT_STREAM) == 0, what="every entry acknowledged")
        finally:
            for worker in workers:
                worker.stop()

    versions = s3_server.versions(bucket)
    for job in jobs:
        final = ledger.final(job.id)
        assert final is not None and final.status == JobStatus.DONE
        assert versions[f"_ledger/final/{job.id}.json"] == 1  # one done record
        assert [versions[job.output_key(v)] for v in VARIANTS] == [1, 1]  # one object per variant, one version
        assert stored_job(client, job.id).status == JobStatus.DONE
    outputs = [key for key in versions if key.startswith("studio-a/") and "/wedding/" not in key]
    assert len(outputs) == 30 * len(VARIANTS)


def _reconnects(worker: _Worker) -> float:
    return worker.consumer.metrics.registry.get_sample_value("wedsync_redis_reconnects_total") or 0.0


def _no_grace():
    from datetime import timedelta

    return timedelta(0)


def test_the_reconciler_leaves_alone_what_redis_still_has_and_what_is_too_young(redis_server, tmp_path: Path) -> None:
    from datetime import timedelta

    store = FileStore(tmp_path)
    ledger, client = Ledger(store), redis_server.client()
    queued, lost = Job.new("studio-a", "studio-a/1.jpg"), Job.new("studio-a", "studio-a/2.jpg")
    submit(ledger, client, DEFAULT_STREAM, queued)
    ledger.accept(lost)  # accepted, never enqueued (the API lost Redis in between)
    assert reconcile_once(client, ledger, ReconcileSettings(stream=DEFAULT_STREAM)) == []  # within the grace
    assert reconcile_once(client, ledger, ReconcileSettings(stream=DEFAULT_STREAM, grace=timedelta(0))) == [lost]
    assert client.xlen(DEFAULT_STREAM) == 2 and stored_job(client, lost.id).status == JobStatus.QUEUED


@pytest.mark.slow
def test_the_worker_carries_on_through_a_replica_promotion(tmp_path: Path) -> None:
    primary, replica = RedisServer(tmp_path / "a"), RedisServer(tmp_path / "b")
    for server in (primary, replica):
        server.folder.mkdir()
        server.start()
    replica.client().replicaof("127.0.0.1", primary.port)
    _wait(lambda: replication_up(replica.client()), 30, "the replica to sync")
    endpoint = TcpProxy(primary.port)  # the primary endpoint's DNS name
    store = FileStore(tmp_path / "store")
    ledger = Ledger(store)
    keys = _gallery(store, 12)
    client = connect(f"redis://127.0.0.1:{endpoint.port}/0", timeout=5)
    try:
        with BatchProcessor(select_device("cpu"), Options(long_edges=(64,))) as processor:
            worker = _Worker(client, store, processor, "survivor")
            before = [Job.new("studio-a", key) for key in keys[:6]]
            for job in before:
                submit(ledger, client, DEFAULT_STREAM, job)
            _wait(lambda: all(ledger.final(job.id) for job in before), what="the jobs before the failover")

            # Failover: the replica is promoted, the old primary demoted, the endpoint moves to the new primary.
            _wait(lambda: replica.client().xlen(DEFAULT_STREAM) == 0, 30, "replication to catch up")
            replica.client().replicaof("NO", "ONE")
            primary.client().replicaof("127.0.0.1", replica.port)
            _wait(lambda: replication_up(primary.client()), 30, "the demoted primary")
            _wait(lambda: _reconnects(worker) >= 2, 30, "the worker to meet the demoted primary again")  # READONLY
            endpoint.point_to(replica.port)  # the endpoint's record moves to the new primary

            after = [Job.new("studio-a", key) for key in keys[6:]]
            for job in after:
                submit(ledger, replica.client(), DEFAULT_STREAM, job)
            _wait(lambda: all(ledger.final(job.id) for job in after), what="the jobs after the failover")
            assert worker.thread.is_alive()
            worker.stop()
        assert all(stored_job(replica.client(), job.id).status == JobStatus.DONE for job in before + after)
        assert replica.client().xlen(DEFAULT_STREAM) == 0
    finally:
        endpoint.close()
        for server in (primary, replica):
            server.stop()
