"""Reading cron schedules: how long a schedule may leave between two runs."""

from __future__ import annotations

import re


def cron_interval_s(schedule: str) -> int | None:
    """The longest gap between runs of the schedules used here: `@every <n>m|h`, `*/n * * * *` (minutes),
    `m */n * * *` (hours) and `m h * * *` (daily). None for anything else."""
    if every := re.fullmatch(r"@every (\d+)([mh])", schedule):
        return int(every[1]) * (60 if every[2] == "m" else 3600)
    fields = schedule.split()
    if len(fields) != 5 or fields[2:] != ["*", "*", "*"]:
        return None
    minute, hour = fields[:2]
    if (step := re.fullmatch(r"\*/(\d+)", minute)) and hour == "*" and 60 % int(step[1]) == 0:
        return int(step[1]) * 60
    if minute.isdigit() and (step := re.fullmatch(r"\*/(\d+)", hour)) and 24 % int(step[1]) == 0:
        return int(step[1]) * 3600
    if minute.isdigit() and hour.isdigit():
        return 86400
    return None
