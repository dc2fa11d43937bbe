"""A Redis Streams consumer that never loses a photo.

- A job is acknowledged only after all its variants are committed to the store, and the status
  hash, the XACK and the XDEL (which keeps a `noeviction` Redis from filling) go in one transaction.
- Outputs are derived deterministically from the input, so a job delivered twice commits the same
  bytes twice: exactly one committed object per variant.
- A crashed worker's pending jobs are taken over by live workers (XAUTOCLAIM after `claim_idle`);
  a live worker refreshes its claim on in-flight jobs (XCLAIM JUSTID) so they are never stolen.
- A failed attempt (status `failed`) is retried after `retry_delay`; when the `max_deliveries`-th attempt
  fails, or a job is delivered more often than that without an attempt finishing (the worker died on it),
  it is written to the dead-letter stream with its last error, in the same transaction as its XACK
  (status `dead-lettered`). An entry that describes no job is parked there at once.
- Redis unreachable: wait and retry with backoff; nothing is dropped.
- `stop()` (SIGTERM) lets the current batch finish and be acknowledged, then returns.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis

from gpu_worker.jobs import DeadLetter, IllegalTransition, Job, MalformedEntry, dead_letter_stream, load, save
from gpu_worker.metrics import WorkerMetrics
from gpu_worker.process import BatchProcessor
from gpu_worker.store import Store

log = logging.getLogger(__name__)
Entry = tuple[str, dict[str, str]]
STORE_ERRORS = (KeyError, OSError, ValueError)  # a missing object, an I/O failure, a key that leaves the store


@dataclass(frozen=True)
class QueueSettings:
    """Names and timings of the consumer."""

    stream: str
    group: str
    batch_size: int = 8
    max_deliveries: int = 5
    claim_idle_seconds: float = 120.0  # far above the heartbeat: only a dead worker's jobs go idle this long
    heartbeat_seconds: float = 15.0
    retry_delay_seconds: float = 5.0
    block_seconds: float = 2.0
    consumer: str = f"{socket.gethostname()}-{os.getpid()}"


class Consumer:
    """Reads batches from the stream, processes them, commits outputs, then acknowledges."""

    def __init__(
        self,
        client: redis.Redis,
        store: Store,
        processor: BatchProcessor,
        settings: QueueSettings,
        metrics: WorkerMetrics,
    ):
        self.client = client
        self.store = store
        self.processor = processor
        self.settings = settings
        self.metrics = metrics
        self._stopping = threading.Event()
        self.last_loop = time.monotonic()
        self.redis_ok = False

    def stop(self) -> None:
        """Finish the current batch, acknowledge it, and return from `run`."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def run(self) -> None:
        """Consume until stopped; Redis outages are waited out with backoff."""
        backoff = 0.5
        while not self.stopping:
            try:
                self.turn()
                backoff = 0.5
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                self.redis_ok = False
                log.warning("redis unreachable (%s); retrying in %.1fs", exc, backoff)
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, 30.0)
            self.last_loop = time.monotonic()

    def _ensure_group(self) -> None:
        try:
            self.client.xgroup_create(self.settings.stream, self.settings.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def turn(self) -> None:
        """One turn of the loop: due retries, then dead workers' jobs, then new ones; process them as one batch."""
        self._ensure_group()
        self.redis_ok = True
        due = dict(self._retries())
        due.update(self._reclaimed())  # an entry both due and idle long enough comes once
        entries = list(due.items())
        room = self.settings.batch_size - len(entries)
        if room > 0:
            entries += self._new(room, block=not entries)
        self._update_lag()
        if entries:
            self.process_batch(entries)

    def _read(self, response: Any) -> list[Entry]:
        return [(entry_id, fields) for _, messages in response or [] for entry_id, fields in messages if fields]

    def _new(self, count: int, block: bool) -> list[Entry]:
        s = self.settings
        block_ms = int(s.block_seconds * 1000) if block else None
        return self._read(self.client.xreadgroup(s.group, s.consumer, {s.stream: ">"}, count=count, block=block_ms))

    def _retries(self) -> list[Entry]:
        """This worker's own failed jobs, once they have waited `retry_delay`."""
        s = self.settings
        pending = self.client.xpending_range(
            s.stream, s.group, "-", "+", s.batch_size, consumername=s.consumer, idle=int(s.retry_delay_seconds * 1000)
        )
        if not pending:
            return []
        ids = [p["message_id"] for p in pending]
        return [(i, f) for i, f in self.client.xclaim(s.stream, s.group, s.consumer, 0, ids) if f]

    def _reclaimed(self) -> list[Entry]:
        """Jobs of workers that died: pending and idle for longer than any live worker lets them be."""
        s = self.settings
        _, claimed, _ = self.client.xautoclaim(
            s.stream, s.group, s.consumer, int(s.claim_idle_seconds * 1000), "0-0", count=s.batch_size
        )
        return [(i, f) for i, f in claimed if f]

    def _update_lag(self) -> None:
        for group in self.client.xinfo_groups(self.settings.stream):
            if group["name"] == self.settings.group and group.get("lag") is not None:
                self.metrics.queue_lag.set(group["lag"])

    def _deliveries(self, entry_ids: list[str]) -> dict[str, int]:
        s = self.settings
        result = {}
        for entry_id in entry_ids:
            (info,) = self.client.xpending_range(s.stream, s.group, entry_id, entry_id, 1) or [{"times_delivered": 1}]
            result[entry_id] = int(info["times_delivered"])
        return result

    def process_batch(self, entries: list[Entry]) -> None:
        """Process, commit and acknowledge one batch; a failed attempt stays pending for its retry."""
        started = time.perf_counter()
        deliveries = self._deliveries([entry_id for entry_id, _ in entries])
        jobs: dict[str, Job] = {}
        for entry_id, fields in entries:
            job = self._admit(entry_id, fields, deliveries[entry_id])
            if job is not None:
                jobs[entry_id] = job
        if not jobs:
            return
        self.metrics.batch_size.observe(len(jobs))
        with _Heartbeat(self.client, self.settings, list(jobs)):
            with self.client.pipeline(transaction=False) as pipe:
                for job in jobs.values():
                    save(pipe, job)
                pipe.execute()
            inputs, load_errors = self._load_inputs(jobs)
            for entry_id, error in load_errors.items():
                self._fail(entry_id, jobs[entry_id], error, deliveries[entry_id])
            for result in self.processor.process(inputs):
                job = jobs[result.key]
                if result.ok and result.variants is not None:
                    self._commit(result.key, job, result.variants, deliveries[result.key])
                    self.metrics.job_latency.observe(time.perf_counter() - started)
                else:
                    self._fail(result.key, job, result.error or "unknown error", deliveries[result.key])
        self.metrics.device_memory.set(self.processor.device.memory_in_use())

    def _admit(self, entry_id: str, fields: dict[str, str], deliveries: int) -> Job | None:
        """The entry's job, started; None when the entry was parked, or delivers a job that is already final."""
        try:
            delivered = Job.from_entry(fields)
        except MalformedEntry as exc:
            self._park(DeadLetter(entry_id, fields, str(exc), deliveries), None)
            return None
        job = load(self.client, delivered.id) or delivered  # the entry alone when the record expired
        try:
            if deliveries > self.settings.max_deliveries:  # its attempts never finished: the worker died on it
                error = job.error or f"no attempt finished in {deliveries - 1} deliveries"
                self._dead_letter(entry_id, job, error, deliveries)
                return None
            return job.start()
        except IllegalTransition as exc:
            log.warning("entry %s is a stale delivery, acknowledged: %s", entry_id, exc)
            with self.client.pipeline(transaction=True) as pipe:
                self._acknowledge(pipe, entry_id)
                pipe.execute()
            return None

    def _load_inputs(self, jobs: dict[str, Job]) -> tuple[list[tuple[str, bytes]], dict[str, str]]:
        inputs, errors = [], {}
        for entry_id, job in jobs.items():
            try:
                inputs.append((entry_id, self.store.get(job.input)))
            except STORE_ERRORS as exc:
                errors[entry_id] = f"cannot read input: {exc}"
        return inputs, errors

    def _commit(self, entry_id: str, job: Job, variants: dict[str, bytes], deliveries: int) -> None:
        keys = [job.output_key(variant) for variant in variants]
        try:
            for key, data in zip(keys, variants.values(), strict=True):
                self.store.put(key, data)
        except STORE_ERRORS as exc:
            self._fail(entry_id, job, f"cannot write output: {exc}", deliveries)
            return
        with self.client.pipeline(transaction=True) as pipe:
            save(pipe, job.finish(keys))
            self._acknowledge(pipe, entry_id)
            pipe.execute()
        self.metrics.jobs_done.inc()

    def _fail(self, entry_id: str, job: Job, error: str, deliveries: int) -> None:
        """Record a failed attempt: retried later, or dead-lettered when it was the last one allowed."""
        log.warning("job %s failed (delivery %d of %d): %s", job.id, deliveries, self.settings.max_deliveries, error)
        self.metrics.jobs_failed.inc()
        if deliveries >= self.settings.max_deliveries:
            self._dead_letter(entry_id, job, error, deliveries)
        else:
            save(self.client, job.fail(error))

    def _dead_letter(self, entry_id: str, job: Job, error: str, deliveries: int) -> None:
        self._park(DeadLetter(entry_id, job.to_entry(), error, deliveries), job.dead_letter(error))

    def _park(self, dead: DeadLetter, job: Job | None) -> None:
        """Move an entry to the dead-letter stream, with its job's final record, in the transaction of its XACK."""
        with self.client.pipeline(transaction=True) as pipe:
            pipe.xadd(dead_letter_stream(self.settings.stream), dead.to_entry())
            if job is not None:
                save(pipe, job)
            self._acknowledge(pipe, dead.entry)
            pipe.execute()
        log.error("entry %s dead-lettered after %d deliveries: %s", dead.entry, dead.deliveries, dead.error)
        self.metrics.jobs_dead_lettered.inc()

    def _acknowledge(self, pipe: Any, entry_id: str) -> None:
        """XACK, then XDEL so that a `noeviction` Redis does not fill with finished entries."""
        pipe.xack(self.settings.stream, self.settings.group, entry_id)
        pipe.xdel(self.settings.stream, entry_id)


class _Heartbeat:
    """Keeps in-flight entries claimed (idle time reset, delivery count untouched) while a batch runs."""

    def __init__(self, client: redis.Redis, settings: QueueSettings, entry_ids: list[str]):
        self.client, self.settings, self.entry_ids = client, settings, entry_ids
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="claim-heartbeat", daemon=True)

    def _beat(self) -> None:
        s = self.settings
        while not self._done.wait(s.heartbeat_seconds):
            _ignore_redis_errors(
                lambda: self.client.xclaim(s.stream, s.group, s.consumer, 0, self.entry_ids, justid=True)
            )

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()


def _ignore_redis_errors(call: Callable[[], Any]) -> None:
    try:
        call()
    except redis.RedisError as exc:  # the next beat or the main loop will notice an outage
        log.warning("claim heartbeat failed: %s", exc)
