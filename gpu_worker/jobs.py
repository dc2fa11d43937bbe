"""The job contract shared by the consumer, the jobs API and `enqueue`: stream entries and status hashes."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

DEFAULT_STREAM = "photos:jobs"
DEFAULT_GROUP = "gpu-workers"
STATUS_TTL_SECONDS = 14 * 24 * 3600


class JobStatus(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


def dead_letter_stream(stream: str) -> str:
    """Where jobs go after too many deliveries (never dropped)."""
    return f"{stream}:dead"


def status_key(job_id: str) -> str:
    return f"photos:job:{job_id}"


def output_key(prefix: str, variant: str) -> str:
    """The store key of one variant of a job."""
    return f"{prefix.rstrip('/')}/{variant}.jpg"


def enqueue(redis: Any, stream: str, input_key: str, output_prefix: str) -> str:
    """Record a queued job and add it to the stream atomically; returns the job id."""
    job_id = uuid.uuid4().hex
    with redis.pipeline(transaction=True) as pipe:
        pipe.hset(status_key(job_id), mapping={"status": JobStatus.QUEUED, "input": input_key, "output": output_prefix})
        pipe.expire(status_key(job_id), STATUS_TTL_SECONDS)
        pipe.xadd(stream, {"job": job_id, "input": input_key, "output": output_prefix})
        pipe.execute()
    return job_id
