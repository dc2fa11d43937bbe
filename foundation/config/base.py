"""The base of every config model (frozen, unknown keys are errors, numbers finite) and the constrained
value types."""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, StringConstraints, WithJsonSchema

from foundation.catalog import Cloud

__all__ = ["Cloud", "Days", "LabelValue", "Model", "NonNegativeInt", "PositiveInt", "Slug", "TimeOfDay"]

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")]
LabelValue = Annotated[str, StringConstraints(max_length=63, pattern=r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]?$")]
NonNegativeInt = Annotated[int, Field(ge=0)]
PositiveInt = Annotated[int, Field(ge=1)]
Days = Annotated[int, Field(ge=1, le=36500)]

_HH_MM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def _time_of_day(value: Any) -> time:
    # Only the text "HH:MM": pydantic's own `time` would also take a number of seconds (600 is 00:10),
    # which is what a YAML 1.1 reader makes of an unquoted 10:00 (base 60).
    if isinstance(value, time):
        return value
    if isinstance(value, str) and re.match(_HH_MM, value):
        return time.fromisoformat(value)
    raise ValueError(f'must be a time of day written as a quoted "HH:MM" string, e.g. "09:00" (got {value!r})')


def _hh_mm_default(schema: dict[str, Any]) -> None:
    if isinstance(schema.get("default"), str):  # pydantic writes a time default as HH:MM:SS
        schema["default"] = schema["default"][:5]


TimeOfDay = Annotated[
    time,
    BeforeValidator(_time_of_day),
    PlainSerializer(lambda value: f"{value:%H:%M}", return_type=str),
    WithJsonSchema({"type": "string", "pattern": _HH_MM}),
    Field(json_schema_extra=_hh_mm_default),
]


class Model(BaseModel):
    """Base of every config model: immutable, unknown keys are errors, and numbers are finite (the Pulumi
    CLI cannot pass infinity or NaN on, and a text such as "1e400" must not become infinity)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)
