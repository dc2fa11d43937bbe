"""Seasonal capacity: peak, moderate and off-season profiles (seed 004: peak 4x, moderate 2x, off-season 1x)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from foundation.config.base import Model, NonNegativeInt, PositiveInt
from foundation.config.problems import PathPart, raise_if_any


class Season(StrEnum):
    """A capacity season of the wedding year."""

    PEAK = "peak"
    MODERATE = "moderate"
    OFF_SEASON = "off_season"


class SeasonProfile(Model):
    """Capacity for one season."""

    months: tuple[Annotated[int, Field(ge=1, le=12)], ...] = Field(description="Months (1-12) of the season")
    worker_min_replicas: NonNegativeInt = Field(description="Fewest GPU worker pods KEDA keeps")
    worker_max_replicas: PositiveInt = Field(description="Most GPU worker pods KEDA may run")
    gpu_max_fraction: Annotated[float, Field(gt=0, le=1)] = Field(
        description="Fraction of each GPU pool's max_size deployed in this season"
    )
    queue_lag_target: PositiveInt = Field(description="Queued jobs per worker pod that KEDA scales towards")

    @model_validator(mode="after")
    def _replicas_are_ordered(self) -> SeasonProfile:
        if self.worker_max_replicas < self.worker_min_replicas:
            raise_if_any(
                [
                    (
                        ("worker_max_replicas",),
                        f"must be >= worker_min_replicas (got {self.worker_max_replicas} < {self.worker_min_replicas})",
                    )
                ]
            )
        return self


class SeasonCalendar(Model):
    """What each season allows; `season` in the platform config picks one."""

    peak: SeasonProfile = Field(
        SeasonProfile(
            months=(5, 6, 7, 8, 9),
            worker_min_replicas=4,
            worker_max_replicas=32,
            gpu_max_fraction=1.0,
            queue_lag_target=200,
        ),
        description="May-September: full capacity",
    )
    moderate: SeasonProfile = Field(
        SeasonProfile(
            months=(3, 4, 10),
            worker_min_replicas=2,
            worker_max_replicas=16,
            gpu_max_fraction=0.5,
            queue_lag_target=500,
        ),
        description="March, April, October: half capacity",
    )
    off_season: SeasonProfile = Field(
        SeasonProfile(
            months=(11, 12, 1, 2),
            worker_min_replicas=0,
            worker_max_replicas=8,
            gpu_max_fraction=0.25,
            queue_lag_target=1000,
        ),
        description="November-February: a quarter of capacity",
    )

    @model_validator(mode="after")
    def _every_month_has_one_season(self) -> SeasonCalendar:
        problems: list[tuple[tuple[PathPart, ...], str]] = []
        seen: dict[int, Season] = {}
        for season in Season:
            for month in self.profile(season).months:
                if month in seen:
                    problems.append(((season.value, "months"), f"month {month} is already in {seen[month].value}"))
                seen[month] = season
        uncovered = sorted(set(range(1, 13)) - set(seen))
        if uncovered:
            problems.append(((), f"every month needs a season (uncovered: {uncovered})"))
        raise_if_any(problems)
        return self

    def profile(self, season: Season) -> SeasonProfile:
        """The profile of one season."""
        profile: SeasonProfile = getattr(self, season.value)
        return profile
