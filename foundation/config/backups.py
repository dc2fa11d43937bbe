"""Velero's backup schedules of each cluster's Kubernetes objects. Defaults from seed 002: the AI cache's
namespace every 15 minutes (its RPO target is under 15 minutes), every other namespace daily, each kept
7 days (the seed's `retention_period: 7d` and `ttl: 168h`). Velero backs up Kubernetes objects only: not
managed Redis, not bucket contents, and no volumes (the platform runs no PersistentVolumeClaims)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from foundation.config.base import Model, PositiveInt, Slug
from foundation.config.problems import raise_if_any
from foundation.cron import cron_interval_s

# Five cron fields (minute hour day-of-month month day-of-week), as a Velero Schedule's `spec.schedule` takes.
Cron = Annotated[str, StringConstraints(pattern=r"^\S+( \S+){4}$")]


class BackupScope(StrEnum):
    """Which namespaces a schedule backs up."""

    CACHE = "cache"  # the namespace the AI cache service runs in (kubernetes.namespace)
    REST = "rest"  # every namespace the `cache` schedules leave out


class BackupSchedule(Model):
    """One Velero Schedule: what it backs up, how often, how long each backup is kept."""

    name: Slug = Field(description="Schedule name (the chart names the Schedule `velero-<name>`)")
    scope: BackupScope = Field(description="cache: the AI cache service's namespace; rest: every other namespace")
    cron: Cron = Field(description="When it runs: five cron fields, UTC, at a fixed interval (minutes, hours or daily)")
    ttl_hours: PositiveInt = Field(168, description="Hours each backup is kept before Velero deletes it")

    @field_validator("cron")
    @classmethod
    def _interval_readable(cls, cron: str) -> str:
        """dr-report's RPO and the VeleroBackupStale alert's bound both come from the schedule's interval."""
        if cron_interval_s(cron) is None:
            raise ValueError(
                f"must run at a fixed interval: '*/n * * * *' (minutes), 'm */n * * *' (hours) or 'm h * * *' "
                f"(daily), n dividing 60 or 24 (got {cron!r})"
            )
        return cron

    @property
    def interval_s(self) -> int:
        """The longest gap between two runs."""
        interval = cron_interval_s(self.cron)
        assert interval is not None, "checked when the schedule was read"
        return interval


def _seed_schedules() -> tuple[BackupSchedule, ...]:
    return (
        BackupSchedule(name="ai-cache", scope=BackupScope.CACHE, cron="*/15 * * * *"),
        BackupSchedule(name="cluster", scope=BackupScope.REST, cron="0 2 * * *"),
    )


class ClusterBackups(Model):
    """Velero in every cluster: its schedules (the backup location is the region's Velero bucket in its
    backup region, in the same residency zone)."""

    schedules: tuple[BackupSchedule, ...] = Field(
        default_factory=_seed_schedules, description="Velero schedules, run in every cluster"
    )

    @model_validator(mode="after")
    def _names_unique(self) -> ClusterBackups:
        names = [s.name for s in self.schedules]
        raise_if_any(
            [
                (("schedules", index, "name"), f"duplicates another schedule's name ({schedule.name})")
                for index, schedule in enumerate(self.schedules)
                if names.index(schedule.name) != index
            ]
        )
        return self
