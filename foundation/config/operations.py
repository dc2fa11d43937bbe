"""Operating rules: the spending cap and the weekly change freeze."""

from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from foundation.calendar import Weekday, require_timezone
from foundation.config.base import Model, TimeOfDay
from foundation.config.problems import raise_if_any


class BudgetConfig(Model):
    """Spending caps checked by the policy pack."""

    gpu_hourly_usd: Annotated[float, Field(gt=0)] = Field(
        500.0, description="Cap on worst-case GPU spend in USD per hour (every GPU pool at its maximum)"
    )
    queue_pool_hourly_usd: Annotated[float, Field(gt=0)] = Field(
        100.0, description="Cap on worst-case spend of the queue workloads' CPU pools in USD per hour (pools at maxima)"
    )
    monthly_usd: Annotated[float, Field(gt=0)] | None = Field(None, description="Monthly budget in USD, for reports")


class FreezeWindow(Model):
    """The weekly change freeze (seed 003: no deploys Saturday 10:00-20:00)."""

    weekday: Weekday = Field("saturday", description="Day of the weekly freeze")
    start: TimeOfDay = Field(time(10, 0), description="Local start time, HH:MM")
    end: TimeOfDay = Field(time(20, 0), description="Local end time, HH:MM (after start)")
    timezone: str = Field("America/New_York", description="IANA time zone the window is judged in")

    @field_validator("timezone")
    @classmethod
    def _timezone_exists(cls, name: str) -> str:
        return require_timezone(name)

    @model_validator(mode="after")
    def _window_is_not_empty(self) -> FreezeWindow:
        if self.end <= self.start:
            raise_if_any([(("end",), f"must be after start (got {self.end} <= {self.start})")])
        return self
