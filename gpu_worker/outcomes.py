"""What became of a job's attempt, written down: done, failed (to be retried) or dead-lettered.

Final outcomes go to the ledger first, then to Redis with the XACK and XDEL in one transaction. If Redis
is lost or fails over between the two (its replication is asynchronous, so an acknowledgement can be
lost at promotion), the job is delivered again and finds its final record: nothing is redone, and no
object or record is written twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import redis

from gpu_worker.jobs import DeadLetter, Job, dead_letter_stream, save
from gpu_worker.ledger import Ledger
from gpu_worker.metrics import WorkerMetrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcomes:
    """Records outcomes for one consumer: its Redis client, stream and group, its ledger and metrics."""

    client: redis.Redis
    stream: str
    group: str
    ledger: Ledger
    metrics: WorkerMetrics
    max_deliveries: int

    def done(self, entry_id: str, job: Job) -> None:
        """Every variant is committed: the final record, then the status with the acknowledgement."""
        self.ledger.finish(job)
        with self.client.pipeline(transaction=True) as pipe:
            save(pipe, job)
            self._acknowledge(pipe, entry_id)
            pipe.execute()
        self.metrics.jobs_done.inc()

    def already_final(self, entry_id: str, job: Job) -> None:
        """A delivery of a job the ledger records as final: its record restored in Redis, the entry acknowledged."""
        log.info("entry %s delivers job %s, already %s: acknowledged", entry_id, job.id, job.status)
        with self.client.pipeline(transaction=True) as pipe:
            save(pipe, job)
            self._acknowledge(pipe, entry_id)
            pipe.execute()

    def failed(self, entry_id: str, job: Job, error: str, deliveries: int, permanent: bool = False) -> None:
        """A failed attempt: retried later, or dead-lettered when permanent or the last allowed."""
        log.warning("job %s failed (delivery %d of %d): %s", job.id, deliveries, self.max_deliveries, error)
        self.metrics.jobs_failed.inc()
        if permanent or deliveries >= self.max_deliveries:
            self.dead_letter(entry_id, job, error, deliveries)
        else:
            save(self.client, job.fail(error))

    def dead_letter(self, entry_id: str, job: Job, error: str, deliveries: int) -> None:
        parked = job.dead_letter(error)
        self.ledger.finish(parked)
        self.park(DeadLetter(entry_id, job.to_entry(), error, deliveries), parked)

    def park(self, dead: DeadLetter, job: Job | None) -> None:
        """Move an entry to the dead-letter stream, with its job's final record, in the transaction of its XACK."""
        with self.client.pipeline(transaction=True) as pipe:
            pipe.xadd(dead_letter_stream(self.stream), dict[Any, Any](dead.to_entry()))
            if job is not None:
                save(pipe, job)
            self._acknowledge(pipe, dead.entry)
            pipe.execute()
        log.error("entry %s dead-lettered after %d deliveries: %s", dead.entry, dead.deliveries, dead.error)
        self.metrics.jobs_dead_lettered.inc()

    def stale(self, entry_id: str, reason: str) -> None:
        log.warning("entry %s is a stale delivery, acknowledged: %s", entry_id, reason)
        with self.client.pipeline(transaction=True) as pipe:
            self._acknowledge(pipe, entry_id)
            pipe.execute()

    def _acknowledge(self, pipe: Any, entry_id: str) -> None:
        """XACK, then XDEL so that a `noeviction` Redis does not fill with finished entries."""
        pipe.xack(self.stream, self.group, entry_id)
        pipe.xdel(self.stream, entry_id)
