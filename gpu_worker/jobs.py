"""One photo job: its record, how it is kept in Redis, and the only ways its status may change.

Every delivery of a job to a worker moves its status along these named transitions:

    queued ──start──▶ processing ──finish──▶ done
                        │    ▲
                   fail │    │ start (the retry; or a crashed worker's job, reclaimed)
                        ▼    │
                        failed
    queued | processing | failed ──dead_letter──▶ dead-lettered

`failed` means an attempt failed and the job will be tried again; `done` and `dead-lettered` are
final (the job left the stream). The consumer, the jobs API, `enqueue` and the tests all go through
this module: no other place builds a status key or spells a field name.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

DEFAULT_STREAM = "photos:jobs"
DEFAULT_GROUP = "gpu-workers"
STATUS_TTL_SECONDS = 14 * 24 * 3600  # a status is kept this long after its last change
JOB_ID_PATTERN = r"[0-9a-f]{32}"
_ID_TIME_DIGITS = 12  # a job id: 12 hex digits of its creation time in ms, then 80 random bits (20 hex digits)
_STATUS_KEY_PREFIX = "photos:job:"

# Field names, shared by stream entries (job, input, output), status hashes (all but job) and
# dead-letter entries (a job's entry plus error, entry and deliveries).
_JOB, _INPUT, _OUTPUT = "job", "input", "output"
_STATUS, _ATTEMPTS, _OUTPUTS, _ERROR = "status", "attempts", "outputs", "error"
_ENTRY, _DELIVERIES = "entry", "deliveries"


class JobStatus(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    FAILED = "failed"  # the last attempt failed; the job will be retried
    DONE = "done"
    DEAD_LETTERED = "dead-lettered"  # given up: parked in the dead-letter stream with its last error

    @property
    def final(self) -> bool:
        return not _NEXT[self]


_NEXT: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.QUEUED: frozenset({JobStatus.PROCESSING, JobStatus.DEAD_LETTERED}),
    JobStatus.PROCESSING: frozenset({JobStatus.PROCESSING, JobStatus.DONE, JobStatus.FAILED, JobStatus.DEAD_LETTERED}),
    JobStatus.FAILED: frozenset({JobStatus.PROCESSING, JobStatus.DEAD_LETTERED}),
    JobStatus.DONE: frozenset(),
    JobStatus.DEAD_LETTERED: frozenset(),
}


class IllegalTransition(ValueError):
    """A status change the state machine does not allow, e.g. done -> processing."""


class MalformedEntry(ValueError):
    """A stream entry that does not describe a job (a missing field, a bad id)."""


@dataclass(frozen=True)
class Job:
    """A job's record: what to process, where its variants go, and how far it got."""

    id: str
    input: str  # the store key of the photo: `<tenant>/...`
    output: str  # the store key prefix of its variants: `<tenant>/<id>` for jobs the API accepted
    status: JobStatus = JobStatus.QUEUED
    attempts: int = 0  # how often a worker started it
    outputs: tuple[str, ...] = ()  # the committed variants' keys, once done
    error: str = ""  # why the last attempt failed

    @classmethod
    def new(cls, tenant: str, input_key: str) -> Job:
        """A queued job of `tenant` for an input under its prefix; its variants go under `<tenant>/<id>/`."""
        if not input_key.startswith(f"{tenant}/"):
            raise ValueError(f"input {input_key!r} is not under the tenant's prefix {tenant}/")
        job_id = new_job_id()
        return cls(job_id, input_key, f"{tenant}/{job_id}")

    @property
    def tenant(self) -> str:
        """The account the job belongs to: the first segment of its input key."""
        return self.input.split("/", 1)[0]

    @property
    def created_at(self) -> datetime:
        return created_at(self.id)

    @property
    def key(self) -> str:
        """The Redis key of the job's status hash."""
        return _status_key(self.id)

    def output_key(self, variant: str) -> str:
        """The store key of one variant of this job."""
        return f"{self.output.rstrip('/')}/{variant}.jpg"

    # The transitions: each returns the job in its new status, or raises IllegalTransition.

    def start(self) -> Job:
        """A worker begins an attempt (the first, a retry, or a reclaim after a crash)."""
        return self._to(JobStatus.PROCESSING, attempts=self.attempts + 1)

    def finish(self, outputs: Sequence[str]) -> Job:
        """Every variant is committed to the store."""
        return self._to(JobStatus.DONE, outputs=tuple(outputs), error="")

    def fail(self, error: str) -> Job:
        """The attempt failed; the job will be retried."""
        return self._to(JobStatus.FAILED, error=error)

    def dead_letter(self, error: str) -> Job:
        """Given up on: the job is parked in the dead-letter stream."""
        return self._to(JobStatus.DEAD_LETTERED, error=error)

    def _to(self, status: JobStatus, **changes: Any) -> Job:
        if status not in _NEXT[self.status]:
            raise IllegalTransition(f"job {self.id} cannot go from {self.status} to {status}")
        return replace(self, status=status, **changes)

    # Encodings.

    def to_entry(self) -> dict[str, str]:
        """The stream entry that delivers this job to a worker."""
        return {_JOB: self.id, _INPUT: self.input, _OUTPUT: self.output}

    @classmethod
    def from_entry(cls, fields: Mapping[str, str]) -> Job:
        """The (queued) job a stream entry describes; MalformedEntry if it describes none."""
        missing = [name for name in (_JOB, _INPUT, _OUTPUT) if not fields.get(name)]
        if missing:
            raise MalformedEntry(f"stream entry lacks {', '.join(missing)}")
        if not is_job_id(fields[_JOB]):
            raise MalformedEntry(f"stream entry has a malformed job id {fields[_JOB]!r}")
        return cls(fields[_JOB], fields[_INPUT], fields[_OUTPUT])

    def to_hash(self) -> dict[str, str]:
        """The fields of the job's status hash."""
        return {
            _STATUS: self.status.value,
            _INPUT: self.input,
            _OUTPUT: self.output,
            _ATTEMPTS: str(self.attempts),
            _OUTPUTS: json.dumps(list(self.outputs)),
            _ERROR: self.error,
        }

    @classmethod
    def from_hash(cls, job_id: str, fields: Mapping[str, str]) -> Job:
        return cls(
            id=job_id,
            input=fields[_INPUT],
            output=fields[_OUTPUT],
            status=JobStatus(fields[_STATUS]),
            attempts=int(fields.get(_ATTEMPTS) or 0),
            outputs=tuple(json.loads(fields.get(_OUTPUTS) or "[]")),
            error=fields.get(_ERROR, ""),
        )


@dataclass(frozen=True)
class DeadLetter:
    """An entry parked in the dead-letter stream: the entry as it was enqueued, its stream id, why, how often."""

    entry: str  # the id of the entry in the job stream
    fields: Mapping[str, str]  # the entry as enqueued (a job's `to_entry`, or whatever malformed entry came)
    error: str
    deliveries: int

    def job(self) -> Job:
        """The job the parked entry describes (MalformedEntry when it was parked for describing none)."""
        return Job.from_entry(self.fields)

    def to_entry(self) -> dict[str, str]:
        return {**self.fields, _ENTRY: self.entry, _ERROR: self.error, _DELIVERIES: str(self.deliveries)}

    @classmethod
    def from_entry(cls, fields: Mapping[str, str]) -> DeadLetter:
        job_fields = {k: v for k, v in fields.items() if k not in (_ENTRY, _ERROR, _DELIVERIES)}
        return cls(fields[_ENTRY], job_fields, fields[_ERROR], int(fields[_DELIVERIES]))


def dead_letter_stream(stream: str) -> str:
    """Where jobs go after too many deliveries (never dropped)."""
    return f"{stream}:dead"


def dead_letters(redis: Any, stream: str) -> list[DeadLetter]:
    """What is parked in a stream's dead-letter stream, oldest first."""
    return [DeadLetter.from_entry(fields) for _, fields in redis.xrange(dead_letter_stream(stream))]


def new_job_id() -> str:
    """An unguessable id (80 random bits) that sorts by creation time, so stores can list jobs by age."""
    return f"{time.time_ns() // 1_000_000:0{_ID_TIME_DIGITS}x}{secrets.token_hex(10)}"


def created_at(job_id: str) -> datetime:
    """When a job id was made (to the millisecond)."""
    return datetime.fromtimestamp(int(job_id[:_ID_TIME_DIGITS], 16) / 1000, UTC)


def id_floor(moment: datetime) -> str:
    """The smallest job id made at `moment` or later (for listing jobs by age)."""
    return f"{int(moment.timestamp() * 1000):0{_ID_TIME_DIGITS}x}"


def _status_key(job_id: str) -> str:
    return f"{_STATUS_KEY_PREFIX}{job_id}"


def is_job_id(text: str) -> bool:
    return re.fullmatch(JOB_ID_PATTERN, text) is not None


def save(redis: Any, job: Job) -> None:
    """Write a job's status hash (on a client or inside a transaction's pipeline); the TTL restarts."""
    redis.hset(job.key, mapping=job.to_hash())
    redis.expire(job.key, STATUS_TTL_SECONDS)


def load(redis: Any, job_id: str) -> Job | None:
    """The job's record, or None when there is none (unknown id, or expired)."""
    if not is_job_id(job_id):
        return None
    fields = redis.hgetall(_status_key(job_id))
    return Job.from_hash(job_id, fields) if fields else None


def enqueue(redis: Any, stream: str, job: Job) -> None:
    """Record a job as queued and add it to the stream, atomically (a new job, or one re-enqueued from the ledger)."""
    queued = replace(job, status=JobStatus.QUEUED, error="")
    with redis.pipeline(transaction=True) as pipe:
        save(pipe, queued)
        pipe.xadd(stream, queued.to_entry())
        pipe.execute()
