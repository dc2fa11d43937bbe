"""A Redis Streams consumer that never loses a photo and that no job can take down.

- A job is acknowledged only after all its variants are committed (first-writer-wins, so a job
  delivered twice writes each variant once) and its final record is in the ledger.
- Every per-job error (input missing or unreadable, over the pixel limit, undecodable, a store error
  on output, an SDK error) is caught at that job and recorded with its reason; the batch-mates go on.
  An input that can never be processed (InputRejected, InvalidKey) is dead-lettered at once; any other
  failure is retried with exponential backoff and dead-lettered after `max_deliveries`.
- A crashed worker's pending jobs are taken over by live workers (XAUTOCLAIM after `claim_idle`);
  a live worker refreshes its claim on in-flight jobs (XCLAIM JUSTID) so they are never stolen.
- Redis unreachable, restarted or failed over: the loop waits with backoff; on READONLY (a primary
  demoted to replica) the connection pool is dropped, so new connections resolve the endpoint again
  and reach the new primary. Nothing is dropped: an entry lost with Redis comes back from the ledger.
- Memory is bounded by bytes: inputs are read one by one and processed in groups whose estimated
  working memory stays within `batch_bytes` (a photo bigger than that goes alone).
- `stop()` (SIGTERM) lets the current batch finish and be acknowledged, then returns.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import redis

from gpu_worker.formats import DEFAULT_MAX_MEGAPIXELS, InputRejected, admit, bounded_groups, working_bytes
from gpu_worker.jobs import DeadLetter, IllegalTransition, Job, MalformedEntry, load, save
from gpu_worker.ledger import Ledger
from gpu_worker.metrics import WorkerMetrics
from gpu_worker.outcomes import Outcomes
from gpu_worker.process import BatchProcessor
from gpu_worker.store import InvalidKey, Store, StoreError

log = logging.getLogger(__name__)
Entry = tuple[str, dict[str, str]]
# A demoted primary (READONLY for writes, UNBLOCKED for a blocked read), a replica cut off from its
# primary (MASTERDOWN), a server still loading its data (LOADING).
_FAILOVER_REPLIES = ("READONLY", "UNBLOCKED", "MASTERDOWN", "LOADING")


@dataclass(frozen=True)
class QueueSettings:
    """Names, timings and limits of the consumer."""

    stream: str
    group: str
    batch_size: int = 8
    max_deliveries: int = 5
    claim_idle_seconds: float = 120.0  # far above the heartbeat: only a dead worker's jobs go idle this long
    heartbeat_seconds: float = 15.0
    retry_delay_seconds: float = 5.0  # before the first retry; doubled for each further one
    max_retry_delay_seconds: float = 600.0
    block_seconds: float = 2.0
    batch_bytes: int = 2 * 1024**3
    max_megapixels: float = DEFAULT_MAX_MEGAPIXELS
    consumer: str = f"{socket.gethostname()}-{os.getpid()}"

    def retry_after_ms(self, deliveries: int) -> int:
        """How long a job that failed its `deliveries`-th attempt waits before the next."""
        return int(min(self.retry_delay_seconds * 2 ** (deliveries - 1), self.max_retry_delay_seconds) * 1000)


def is_redis_outage(exc: BaseException) -> bool:
    """Redis cannot serve us now (down, timing out, failing over): wait, reconnect, try again."""
    if isinstance(exc, redis.ConnectionError | redis.TimeoutError | redis.ReadOnlyError):
        return True
    return isinstance(exc, redis.ResponseError) and any(reply in str(exc) for reply in _FAILOVER_REPLIES)


@dataclass
class _Admitted:
    entry_id: str
    job: Job
    deliveries: int


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
        # Any: redis-py annotates its sync commands' replies as `Awaitable[Any] | Any` (shared with asyncio).
        self.client: Any = client
        self.store, self.processor, self.settings, self.metrics = store, processor, settings, metrics
        self.ledger = Ledger(store)
        self.outcomes = Outcomes(client, settings.stream, settings.group, self.ledger, metrics, settings.max_deliveries)
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
        """Consume until stopped; Redis outages are waited out, and nothing a job does ends the loop."""
        backoff = 0.5
        while not self.stopping:
            try:
                self.turn()
                backoff = 0.5
            except Exception as exc:
                self.redis_ok = False
                if is_redis_outage(exc):
                    log.warning("redis unavailable (%s); reconnecting in %.1fs", exc, backoff)
                    self.client.connection_pool.disconnect()  # new connections resolve the endpoint again
                    self.metrics.redis_reconnects.inc()
                else:
                    log.exception("consume loop error; retrying in %.1fs", backoff)
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
        """This worker's own failed jobs whose backoff has passed."""
        s = self.settings
        pending = self.client.xpending_range(
            s.stream, s.group, "-", "+", s.batch_size * 4, consumername=s.consumer, idle=s.retry_after_ms(1)
        )
        due = [p["message_id"] for p in pending if p["time_since_delivered"] >= s.retry_after_ms(p["times_delivered"])]
        if not due:
            return []
        return [(i, f) for i, f in self.client.xclaim(s.stream, s.group, s.consumer, 0, due[: s.batch_size]) if f]

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

    def _deliveries(self, entry_id: str) -> int:
        s = self.settings
        (info,) = self.client.xpending_range(s.stream, s.group, entry_id, entry_id, 1) or [{"times_delivered": 1}]
        return int(info["times_delivered"])

    def process_batch(self, entries: list[Entry]) -> None:
        """Process, commit and acknowledge one batch; a failed attempt stays pending for its retry."""
        started = time.perf_counter()
        admitted = [a for entry_id, fields in entries if (a := self._admit(entry_id, fields)) is not None]
        if not admitted:
            return
        self.metrics.batch_size.observe(len(admitted))
        with _Heartbeat(self.client, self.settings, [a.entry_id for a in admitted]):
            with self.client.pipeline(transaction=False) as pipe:
                for a in admitted:
                    save(pipe, a.job)
                pipe.execute()
            for group in self._groups(admitted):
                self._process(group, started)
        self.metrics.device_memory.set(self.processor.device.memory_in_use())

    def _admit(self, entry_id: str, fields: dict[str, str]) -> _Admitted | None:
        """The entry's job, started; None when the entry was parked, or delivers a job that is already final."""
        deliveries = self._deliveries(entry_id)
        try:
            delivered = Job.from_entry(fields)
        except MalformedEntry as exc:
            self.outcomes.park(DeadLetter(entry_id, fields, str(exc), deliveries), None)
            return None
        final = self.ledger.final(delivered.id)
        if final is not None:  # a redelivery after its outcome was recorded (the ack was lost, or Redis was)
            self.outcomes.already_final(entry_id, final)
            return None
        job = load(self.client, delivered.id) or delivered  # the entry alone when the record expired or was lost
        try:
            if deliveries > self.settings.max_deliveries:  # its attempts never finished: the worker died on it
                error = job.error or f"no attempt finished in {deliveries - 1} deliveries"
                self.outcomes.dead_letter(entry_id, job, error, deliveries)
                return None
            return _Admitted(entry_id, job.start(), deliveries)
        except IllegalTransition as exc:
            self.outcomes.stale(entry_id, str(exc))
            return None

    def _groups(self, admitted: list[_Admitted]) -> Iterator[list[tuple[_Admitted, bytes, int]]]:
        """Readable inputs, read one at a time, in groups whose working memory fits `batch_bytes`."""
        ready = ((a, *prepared) for a in admitted if (prepared := self._input(a)) is not None)
        return bounded_groups(ready, lambda item: item[2], self.settings.batch_bytes)

    def _input(self, a: _Admitted) -> tuple[bytes, int] | None:
        """The job's input, ready for the pipeline, and its working-memory estimate; None if the job failed."""
        try:
            data, info = admit(self.store.get(a.job.input), a.job.input, self.settings.max_megapixels)
            return data, working_bytes(info, len(data))
        except (InputRejected, InvalidKey) as exc:
            self.outcomes.failed(a.entry_id, a.job, f"input {a.job.input}: {exc}", a.deliveries, permanent=True)
        except StoreError as exc:
            self.outcomes.failed(a.entry_id, a.job, f"cannot read input: {exc}", a.deliveries)
        except Exception as exc:
            if isinstance(exc, redis.RedisError):
                raise
            self.outcomes.failed(a.entry_id, a.job, f"cannot read input: {type(exc).__name__}: {exc}", a.deliveries)
        return None

    def _process(self, group: list[tuple[_Admitted, bytes, int]], started: float) -> None:
        unreported = {a.entry_id: a for a, _, _ in group}
        try:
            for result in self.processor.process((a.entry_id, data) for a, data, _ in group):
                a = unreported.pop(result.key)
                if result.ok and result.variants is not None:
                    self._commit(a, result.variants)
                    self.metrics.job_latency.observe(time.perf_counter() - started)
                else:
                    self.outcomes.failed(a.entry_id, a.job, result.error or "unknown error", a.deliveries)
        except Exception as exc:  # the processor itself failed: the jobs it did not report fail with it
            if isinstance(exc, redis.RedisError):
                raise
            for a in unreported.values():
                self.outcomes.failed(a.entry_id, a.job, f"processing failed: {type(exc).__name__}: {exc}", a.deliveries)

    def _commit(self, a: _Admitted, variants: dict[str, bytes]) -> None:
        keys = [a.job.output_key(variant) for variant in variants]
        try:
            for key, data in zip(keys, variants.values(), strict=True):
                self.store.put_new(key, data)  # False: an earlier delivery committed these very bytes
            self.outcomes.done(a.entry_id, a.job.finish(keys))
        except InvalidKey as exc:
            self.outcomes.failed(a.entry_id, a.job, f"cannot write output: {exc}", a.deliveries, permanent=True)
        except StoreError as exc:
            self.outcomes.failed(a.entry_id, a.job, f"cannot write output: {exc}", a.deliveries)


class _Heartbeat:
    """Keeps in-flight entries claimed (idle time reset, delivery count untouched) while a batch runs."""

    def __init__(self, client: Any, settings: QueueSettings, entry_ids: list[str]):
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
