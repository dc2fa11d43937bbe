"""A Redis Streams consumer that never loses a photo.

- A job is acknowledged only after all its variants are committed to the store, and the status
  hash, the XACK and the XDEL (which keeps a `noeviction` Redis from filling) go in one transaction.
- Outputs are derived deterministically from the input, so a job delivered twice commits the same
  bytes twice: exactly one committed object per variant.
- A crashed worker's pending jobs are taken over by live workers (XAUTOCLAIM after `claim_idle`);
  a live worker refreshes its claim on in-flight jobs (XCLAIM JUSTID) so they are never stolen.
- A failed job is retried after `retry_delay`; past `max_deliveries` it is written to the
  dead-letter stream with its last error, in the same transaction as its XACK.
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

from gpu_worker.jobs import JobStatus, dead_letter_stream, output_key, status_key
from gpu_worker.metrics import WorkerMetrics
from gpu_worker.process import BatchProcessor
from gpu_worker.store import Store

log = logging.getLogger(__name__)
Entry = tuple[str, dict[str, str]]


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
                self._ensure_group()
                self.redis_ok = True
                self._run_once()
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

    def _run_once(self) -> None:
        entries = self._retries() + self._reclaimed()
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
        """Process, commit and acknowledge one batch; failures stay pending for a retry."""
        started = time.perf_counter()
        deliveries = self._deliveries([entry_id for entry_id, _ in entries])
        live: list[Entry] = []
        for entry_id, fields in entries:
            if deliveries[entry_id] > self.settings.max_deliveries:
                self._dead_letter(entry_id, fields, deliveries[entry_id])
            else:
                live.append((entry_id, fields))
        if not live:
            return
        self.metrics.batch_size.observe(len(live))
        with _Heartbeat(self.client, self.settings, [entry_id for entry_id, _ in live]):
            for entry_id, fields in live:
                self.client.hset(status_key(fields.get("job", entry_id)), "status", JobStatus.PROCESSING)
            inputs, load_errors = self._load_inputs(live)
            for entry_id, error in load_errors.items():
                self._record_failure(entry_id, dict(live)[entry_id], error)
            for result in self.processor.process(inputs):
                fields = dict(live)[result.key]
                if result.ok and result.variants is not None:
                    self._commit(result.key, fields, result.variants)
                    self.metrics.job_latency.observe(time.perf_counter() - started)
                else:
                    self._record_failure(result.key, fields, result.error or "unknown error")
        self.metrics.device_memory.set(self.processor.device.memory_in_use())

    def _load_inputs(self, entries: list[Entry]) -> tuple[list[tuple[str, bytes]], dict[str, str]]:
        inputs, errors = [], {}
        for entry_id, fields in entries:
            try:
                inputs.append((entry_id, self.store.get(fields["input"])))
            except (KeyError, OSError, ValueError) as exc:
                errors[entry_id] = f"cannot read input: {exc}"
        return inputs, errors

    def _commit(self, entry_id: str, fields: dict[str, str], variants: dict[str, bytes]) -> None:
        keys = []
        for variant, data in variants.items():
            key = output_key(fields["output"], variant)
            self.store.put(key, data)
            keys.append(key)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(
                status_key(fields.get("job", entry_id)),
                mapping={"status": JobStatus.DONE, "outputs": ",".join(keys), "error": ""},
            )
            pipe.xack(self.settings.stream, self.settings.group, entry_id)
            pipe.xdel(self.settings.stream, entry_id)
            pipe.execute()
        self.metrics.jobs_done.inc()

    def _record_failure(self, entry_id: str, fields: dict[str, str], error: str) -> None:
        log.warning("job %s failed: %s", entry_id, error)
        self.client.hset(status_key(fields.get("job", entry_id)), mapping={"status": JobStatus.QUEUED, "error": error})
        self.metrics.jobs_failed.inc()

    def _dead_letter(self, entry_id: str, fields: dict[str, str], deliveries: int) -> None:
        job = status_key(fields.get("job", entry_id))
        error = self.client.hget(job, "error") or "no error recorded"
        with self.client.pipeline(transaction=True) as pipe:
            pipe.xadd(
                dead_letter_stream(self.settings.stream),
                {**fields, "entry": entry_id, "error": error, "deliveries": str(deliveries)},
            )
            pipe.hset(job, mapping={"status": JobStatus.FAILED, "error": error})
            pipe.xack(self.settings.stream, self.settings.group, entry_id)
            pipe.xdel(self.settings.stream, entry_id)
            pipe.execute()
        log.error("job %s dead-lettered after %d deliveries: %s", entry_id, deliveries, error)
        self.metrics.jobs_dead_lettered.inc()


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
