"""Weekdays, time zones and weekly windows: the freeze, Saturday pre-scaling and alert routing share them."""

from __future__ import annotations

from datetime import datetime, time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def cron_weekday(weekday: Weekday) -> int:
    """The day-of-week field of a cron expression (0 = Sunday ... 6 = Saturday)."""
    return (WEEKDAYS.index(weekday) + 1) % 7


def require_timezone(name: str) -> str:
    """An IANA time zone name (ValueError otherwise)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"must be an IANA time zone such as Europe/London (got {name!r})") from None
    return name


def in_weekly_window(now: datetime, weekday: Weekday, start: time, end: time, timezone: str) -> bool:
    """Whether an instant falls inside a weekly window, judged on the window's own local clock."""
    local = now.astimezone(ZoneInfo(timezone))
    return WEEKDAYS[local.weekday()] == weekday and start <= local.time().replace(tzinfo=None) < end
