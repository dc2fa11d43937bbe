"""The durable record of jobs, in the object store: Redis is the fast queue, the ledger is the record.

    _ledger/accepted/<id>.json   written by the API before it enqueues the job (the job exists from here on)
    _ledger/final/<id>.json      written by the worker when the job is done (after its variants are
                                 committed) or dead-lettered, before Redis hears of it

Both are first-writer-wins, so a duplicate delivery never adds a record, and both sort by job id, which
sorts by creation time: the reconciler lists only a recent window. Tenant prefixes never begin with `_`,
so no tenant can name a ledger key.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import redis

from gpu_worker.jobs import Job, enqueue, id_floor, is_job_id
from gpu_worker.store import MissingObject, Store

log = logging.getLogger(__name__)
LEDGER_PREFIX = "_ledger"
_ACCEPTED, _FINAL = f"{LEDGER_PREFIX}/accepted/", f"{LEDGER_PREFIX}/final/"


def _record(job: Job) -> bytes:
    return json.dumps({"id": job.id, **job.to_hash()}, sort_keys=True).encode()


def _job(data: bytes) -> Job:
    fields = json.loads(data)
    return Job.from_hash(fields.pop("id"), fields)


class Ledger:
    """Accepted and final job records in a store."""

    def __init__(self, store: Store):
        self.store = store

    def accept(self, job: Job) -> None:
        """Record a newly accepted job (before it is enqueued)."""
        self.store.put_new(f"{_ACCEPTED}{job.id}.json", _record(job), content_type="application/json")

    def finish(self, job: Job) -> bool:
        """Record a done or dead-lettered job; False when a final record was already there (it stays)."""
        if not job.status.final:
            raise ValueError(f"job {job.id} is {job.status}, not final")
        return self.store.put_new(f"{_FINAL}{job.id}.json", _record(job), content_type="application/json")

    def _read(self, prefix: str, job_id: str) -> Job | None:
        if not is_job_id(job_id):
            return None
        try:
            return _job(self.store.get(f"{prefix}{job_id}.json"))
        except MissingObject:
            return None

    def final(self, job_id: str) -> Job | None:
        """The job's final record (done or dead-lettered), or None."""
        return self._read(_FINAL, job_id)

    def load(self, job_id: str) -> Job | None:
        """The job as the ledger knows it: its final record, else its accepted record (queued); None if neither."""
        return self.final(job_id) or self._read(_ACCEPTED, job_id)

    def _ids(self, prefix: str, since: datetime) -> Iterator[str]:
        for key in self.store.keys(prefix, start_after=f"{prefix}{id_floor(since)}"):
            yield key[len(prefix) :].removesuffix(".json")

    def unfinished(self, since: datetime, until: datetime) -> list[Job]:
        """Jobs accepted between `since` and `until` that have no final record, oldest first."""
        ceiling = id_floor(until)
        finished = {job_id for job_id in self._ids(_FINAL, since)}
        open_jobs = []
        for job_id in self._ids(_ACCEPTED, since):
            if job_id >= ceiling:
                break
            if job_id not in finished and self.final(job_id) is None:  # finished since the listing: skipped
                accepted = self._read(_ACCEPTED, job_id)
                if accepted is not None:
                    open_jobs.append(accepted)
        return open_jobs


def submit(ledger: Ledger, client: Any, stream: str, job: Job) -> None:
    """Accept a job: the ledger first (from then on it exists), then the queue. A Redis failure after the
    ledger write loses nothing: the reconciler enqueues the job. A store failure raises (nothing accepted)."""
    ledger.accept(job)
    try:
        enqueue(client, stream, job)
    except redis.RedisError as exc:
        log.warning("job %s accepted but not enqueued (%s); the reconciler will enqueue it", job.id, exc)
