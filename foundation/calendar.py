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


MINUTES_PER_WEEK = 7 * 24 * 60


def _offset_minutes(local: datetime) -> int:
    offset = local.utcoffset()
    assert offset is not None, "an aware datetime"
    return int(offset.total_seconds() // 60)


def utc_week_ranges(weekday: Weekday, start: time, end: time, timezone: str, years: range) -> list[tuple[int, int]]:
    """A local weekly window as half-open ranges of UTC minutes of the week (0 = Sunday 00:00, as PromQL's
    `day_of_week()` counts), covering every UTC offset the zone uses in `years`: for a clock that jumps,
    the union of the window under each offset, so it is never shorter than the local window."""
    zone = ZoneInfo(timezone)
    offsets = {_offset_minutes(datetime(year, month, 15, 12, tzinfo=zone)) for year in years for month in range(1, 13)}
    first = cron_weekday(weekday) * 24 * 60
    ranges: list[tuple[int, int]] = []
    for offset in sorted(offsets):
        begin = (first + start.hour * 60 + start.minute - offset) % MINUTES_PER_WEEK
        length = (end.hour - start.hour) * 60 + end.minute - start.minute
        if begin + length <= MINUTES_PER_WEEK:
            ranges.append((begin, begin + length))
        else:  # wraps past Saturday 24:00 UTC into Sunday
            ranges += [(begin, MINUTES_PER_WEEK), (0, begin + length - MINUTES_PER_WEEK)]
    return ranges
