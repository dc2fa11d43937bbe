"""Disaster-recovery targets per data class (seed 001: RTO 5 min, RPO 1 min for jobs; seed 002: RTO and RPO
below 5 and 15 minutes for the cache), which `python -m infra dr-report` holds the plan against."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from foundation.config.backups import ClusterBackups
from foundation.config.base import Model

Minutes = Annotated[float, Field(gt=0)]


class DataClass(StrEnum):
    """What can be lost, each recovered by its own mechanism."""

    PHOTOS = "photos"
    JOB_LEDGER = "job_ledger"
    QUEUE = "queue"
    CACHE = "cache"
    CLUSTER_STATE = "cluster_state"


class RecoveryTarget(Model):
    """How long an outage may last (RTO) and how much recent data may be lost (RPO)."""

    rto_minutes: Minutes = Field(description="Recovery time objective, minutes")
    rpo_minutes: Minutes = Field(description="Recovery point objective, minutes")
    strict: bool = Field(False, description="Targets are exclusive bounds (`< 5 min`) rather than inclusive")
    source: str = Field(description="Where the target comes from")


_JOBS = RecoveryTarget(rto_minutes=5, rpo_minutes=1, source="seed 001 (PDF analysis jobs)")
_CACHE = RecoveryTarget(rto_minutes=5, rpo_minutes=15, strict=True, source="seed 002 (AI cache)")


class DrConfig(Model):
    """The recovery targets each data class is reported against."""

    photos: RecoveryTarget = Field(_JOBS, description="Uploaded photos and their variants (a job's input)")
    job_ledger: RecoveryTarget = Field(_JOBS, description="Accepted jobs and their statuses")
    queue: RecoveryTarget = Field(_JOBS, description="Jobs waiting in the Redis stream")
    cache: RecoveryTarget = Field(_CACHE, description="The AI cache tier")
    cluster_state: RecoveryTarget = Field(_CACHE, description="Kubernetes objects of each cluster (Velero's scope)")
    backups: ClusterBackups = Field(ClusterBackups(), description="Velero's schedules of every cluster")

    def target(self, data_class: DataClass) -> RecoveryTarget:
        return getattr(self, data_class.value)
