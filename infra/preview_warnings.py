"""Warnings the offline preview prints before the policies: placeholder values that must not be applied, and
pins close to their end of support."""

from __future__ import annotations

from datetime import date

from foundation.config import SUPPORT_MARGIN_DAYS, PlatformConfig, expiring


def warning_lines(platform: PlatformConfig, today: date) -> list[str]:
    """One line per placeholder in the config and per pin within the support margin at `today`."""
    lines = [
        f"warning: placeholder {p.line()}; replace it before `pulumi up` (the no-placeholders policy refuses it)"
        for p in platform.placeholders()
    ]
    lines += [
        f"warning: {label} {pin.version} reaches end of support on {pin.end_of_support} "
        f"(within {SUPPORT_MARGIN_DAYS} days of {today}); upgrade it (source: {pin.source})"
        for label, pin in expiring(platform.pins_in_use(), today)
    ]
    return lines
