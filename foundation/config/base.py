"""The base of every config model (frozen, unknown keys are errors) and the constrained value types."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from foundation.catalog import Cloud

__all__ = ["Cloud", "Days", "LabelValue", "Model", "NonNegativeInt", "PositiveInt", "Slug"]

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")]
LabelValue = Annotated[str, StringConstraints(max_length=63, pattern=r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]?$")]
NonNegativeInt = Annotated[int, Field(ge=0)]
PositiveInt = Annotated[int, Field(ge=1)]
Days = Annotated[int, Field(ge=1, le=36500)]


class Model(BaseModel):
    """Base of every config model: immutable, and unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")
