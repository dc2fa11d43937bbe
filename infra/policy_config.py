"""The policy pack's config for a stack, from its platform config (CrossGuard cannot read stack config).

`python -m infra policy-config --stack X` writes this for `pulumi preview --policy-pack-config`;
the offline check uses the same function, so both judge with the same budget and windows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from infra.config import PlatformConfig


def settings_for(platform: PlatformConfig, *, deploy: bool = False, at: datetime | None = None) -> dict[str, Any]:
    """The pack's settings for a stack."""
    from components.tags import REQUIRED_TAG_KEYS

    freeze = platform.freeze
    return {
        "environment": platform.environment,
        "tier": platform.tier.value,
        "gpu_hourly_budget_usd": platform.budget.gpu_hourly_usd,
        "required_tags": list(REQUIRED_TAG_KEYS),
        "freeze_weekday": freeze.weekday,
        "freeze_start": freeze.start.strftime("%H:%M"),
        "freeze_end": freeze.end.strftime("%H:%M"),
        "freeze_timezone": freeze.timezone,
        "deploy": deploy,
        "now": at.isoformat() if at else "",
        "freeze_override_reason": "",
    }


def pack_config(settings: dict[str, Any]) -> dict[str, Any]:
    """Per-policy config in CrossGuard's format: each policy gets the settings its schema declares."""
    from policies import ALL_POLICIES

    config: dict[str, Any] = {}
    for policy in ALL_POLICIES:
        schema = policy.config_schema
        if schema is not None:
            config[policy.name] = {key: settings[key] for key in schema.properties if key in settings}
    return config
