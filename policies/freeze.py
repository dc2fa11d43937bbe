"""The Saturday change freeze: no prod deploy during the wedding window unless overridden with a reason.

Mandatory for deploys (the deploy workflow sets `deploy: true` for `pulumi up`); previews only get
an advisory, so pull requests never fail on a Saturday. The clock is injectable (`now`).
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from pulumi_policy import EnforcementLevel, Severity, StackValidationArgs

from foundation.calendar import in_weekly_window
from foundation.policy_settings import setting
from policies.build import Report, stack_policy

FREEZE_SETTINGS = (
    "tier",
    "deploy",
    "now",
    "freeze_weekday",
    "freeze_start",
    "freeze_end",
    "freeze_timezone",
    "freeze_override_reason",
)


def _instant(text: str) -> datetime:
    if not text:
        return datetime.now(UTC)
    instant = datetime.fromisoformat(text)
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def _frozen(config: Any) -> tuple[bool, str]:
    now = _instant(setting(config, "now"))
    weekday, zone = setting(config, "freeze_weekday"), setting(config, "freeze_timezone")
    start, end = time.fromisoformat(setting(config, "freeze_start")), time.fromisoformat(setting(config, "freeze_end"))
    window = f"{weekday} {start:%H:%M}-{end:%H:%M} {zone}"
    return setting(config, "tier") == "prod" and in_weekly_window(now, weekday, start, end, zone), window


def _deploy_blocked(args: StackValidationArgs, report: Report) -> None:
    config = args.get_config()
    frozen, window = _frozen(config)
    if frozen and setting(config, "deploy") and not setting(config, "freeze_override_reason").strip():
        report(
            f"prod deploys are frozen during the wedding window ({window}); set freeze_override_reason to deploy anyway"
        )


def _preview_in_window(args: StackValidationArgs, report: Report) -> None:
    config = args.get_config()
    frozen, window = _frozen(config)
    if frozen and not setting(config, "deploy"):
        report(f"inside the wedding window ({window}): a prod deploy now would be blocked")


POLICIES = [
    stack_policy(
        "change-freeze",
        "No prod deploy during the Saturday wedding window without an override reason.",
        _deploy_blocked,
        "Deploy outside the window, or set freeze_override_reason in the pack config.",
        severity=Severity.CRITICAL,
        settings=FREEZE_SETTINGS,
    ),
    stack_policy(
        "change-freeze-advisory",
        "Previews inside the wedding window are told a deploy would be blocked.",
        _preview_in_window,
        "None needed for a preview.",
        severity=Severity.LOW,
        settings=FREEZE_SETTINGS,
        level=EnforcementLevel.ADVISORY,
    ),
]
