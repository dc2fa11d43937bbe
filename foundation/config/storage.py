"""Data services: the photo buckets' lifecycle and the job queue's Redis."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, model_validator

from foundation.config.base import Days, Model
from foundation.config.problems import raise_if_any


class RedisSize(Model):
    """Size of a region's Redis: `node_type` x `nodes` on ElastiCache, `memory_gb` on Memorystore."""

    node_type: Annotated[str, StringConstraints(pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")] | None = Field(
        None, description="ElastiCache node type (AWS regions), e.g. cache.r7g.large"
    )
    nodes: Annotated[int, Field(ge=2, le=6)] = Field(2, description="ElastiCache nodes: a primary and replicas")
    memory_gb: Annotated[int, Field(ge=1, le=300)] | None = Field(
        None, description="Memorystore capacity in GB (GCP regions)"
    )
    snapshot_retention_days: Annotated[int, Field(ge=0, le=35)] = Field(
        7, description="Days of automatic snapshots kept (ElastiCache)"
    )


class StorageTiers(Model):
    """Lifecycle of photo buckets and the retention of their backups."""

    infrequent_access_after_days: Days = Field(30, description="Days before photos move to infrequent access")
    archive_after_days: Days = Field(180, description="Days before photos move to archive storage")
    noncurrent_versions_expire_after_days: Days = Field(
        90, description="Days an overwritten or deleted photo version is kept in the photo bucket"
    )
    abort_incomplete_uploads_after_days: Days = Field(7, description="Days before unfinished multipart uploads go")
    backup_lock_days: Days = Field(30, description="Object Lock retention of the backup bucket, in days")
    backup_noncurrent_versions_expire_after_days: Days = Field(
        365, description="Days old versions are kept in the backup bucket (longer than in the photo bucket)"
    )

    @model_validator(mode="after")
    def _tiers_are_ordered(self) -> StorageTiers:
        problems = []
        if self.archive_after_days <= self.infrequent_access_after_days:
            problems.append(
                (
                    ("archive_after_days",),
                    f"must be > infrequent_access_after_days "
                    f"(got {self.archive_after_days} <= {self.infrequent_access_after_days})",
                )
            )
        if self.backup_noncurrent_versions_expire_after_days <= self.noncurrent_versions_expire_after_days:
            problems.append(
                (
                    ("backup_noncurrent_versions_expire_after_days",),
                    "must be > noncurrent_versions_expire_after_days: backups keep versions longer "
                    f"(got {self.backup_noncurrent_versions_expire_after_days} <= "
                    f"{self.noncurrent_versions_expire_after_days})",
                )
            )
        raise_if_any(problems)
        return self
