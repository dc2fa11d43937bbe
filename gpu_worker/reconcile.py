"""The reconciler: puts back on the queue every accepted job that Redis has lost.

A job the ledger records as accepted, older than `grace` (time for the API to enqueue it), with no
final record and no record in Redis, was lost with Redis (a restart without persistence, a failover
that lost the last writes): it is enqueued again under the same id. Jobs Redis still knows are left
alone; a job enqueued twice all the same is harmless, since its commits are first-writer-wins.

Run it once (a CronJob) or every N seconds (one Deployment); a Redis lock keeps two runs from
overlapping, so replicas of it would take turns rather than enqueue twice.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis

from gpu_worker.jobs import Job, enqueue, load
from gpu_worker.ledger import Ledger

log = logging.getLogger(__name__)
LOCK_KEY = "photos:reconciler"


@dataclass(frozen=True)
class ReconcileSettings:
    stream: str
    grace: timedelta = timedelta(minutes=10)  # far above the API's ledger-write-to-enqueue time
    lookback: timedelta = timedelta(days=7)  # how far back jobs are looked for (the ledger keeps them all)
    lock_seconds: float = 600.0  # a run holding the lock longer than this is presumed dead


def reconcile_once(
    client: redis.Redis, ledger: Ledger, settings: ReconcileSettings, now: datetime | None = None
) -> list[Job]:
    """Enqueue again the ledger's unfinished jobs that Redis has no record of; the jobs enqueued."""
    now = now or datetime.now(UTC)
    requeued = []
    for job in ledger.unfinished(since=now - settings.lookback, until=now - settings.grace):
        if load(client, job.id) is None:
            enqueue(client, settings.stream, job)
            requeued.append(job)
            log.info("job %s (accepted %s) was not in Redis: enqueued again", job.id, job.created_at.isoformat())
    return requeued


def run_reconciler(
    client: redis.Redis, ledger: Ledger, settings: ReconcileSettings, every: float | None, stop: threading.Event
) -> int:
    """Reconcile once, or every `every` seconds until `stop`; the number of jobs enqueued again."""
    total = 0
    while not stop.is_set():
        try:
            with client.lock(LOCK_KEY, timeout=settings.lock_seconds, blocking=False) as _:
                total += len(reconcile_once(client, ledger, settings))
        except redis.exceptions.LockError:
            log.info("another reconciler holds the lock; skipping this run")
        except redis.RedisError as exc:
            if every is None:
                raise
            log.warning("reconcile run failed, Redis unavailable: %s", exc)
        if every is None:
            break
        stop.wait(every)
    return total
