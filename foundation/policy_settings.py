"""The policy pack's settings: one schema, read by the pack and by the generator of its config.

CrossGuard cannot read stack config, so `python -m infra policy-config --stack X` writes these
settings from `Pulumi.X.yaml` (`settings_for`); each policy declares the keys it reads and falls
back to the defaults here, which are the platform config's own defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from foundation.calendar import WEEKDAYS
from foundation.config import BudgetConfig, FreezeWindow, PlatformConfig, Tier
from foundation.tags import REQUIRED_TAG_KEYS

_BUDGET, _FREEZE = BudgetConfig(), FreezeWindow()

SCHEMA: dict[str, dict[str, Any]] = {
    "environment": {"type": "string", "default": "prod", "description": "Stack environment name"},
    "tier": {
        "type": "string",
        "enum": [tier.value for tier in Tier],
        "default": Tier.PROD.value,
        "description": "prod is strictest",
    },
    "gpu_hourly_budget_usd": {
        "type": "number",
        "default": _BUDGET.gpu_hourly_usd,
        "description": "Worst-case GPU spend cap, $/h",
    },
    "queue_pool_hourly_budget_usd": {
        "type": "number",
        "default": _BUDGET.queue_pool_hourly_usd,
        "description": "Worst-case spend cap of the queue workloads' CPU pools, $/h",
    },
    "required_tags": {"type": "array", "items": {"type": "string"}, "default": list(REQUIRED_TAG_KEYS)},
    "freeze_weekday": {"type": "string", "enum": list(WEEKDAYS), "default": _FREEZE.weekday},
    "freeze_start": {"type": "string", "default": f"{_FREEZE.start:%H:%M}", "description": "HH:MM, local time"},
    "freeze_end": {"type": "string", "default": f"{_FREEZE.end:%H:%M}", "description": "HH:MM, local time"},
    "freeze_timezone": {"type": "string", "default": _FREEZE.timezone},
    "deploy": {"type": "boolean", "default": False, "description": "true for `pulumi up` (the deploy workflow)"},
    "now": {"type": "string", "default": "", "description": "ISO 8601 instant to evaluate at (tests); empty: now"},
    "freeze_override_reason": {"type": "string", "default": "", "description": "Why a frozen deploy must go out"},
}


def setting(config: Mapping[str, Any], key: str) -> Any:
    """A setting from a policy's config, or its default."""
    value = config.get(key)
    return SCHEMA[key]["default"] if value is None else value


def settings_for(platform: PlatformConfig, *, deploy: bool = False, at: datetime | None = None) -> dict[str, Any]:
    """The pack's settings for a stack."""
    freeze = platform.freeze
    return {
        "environment": platform.environment,
        "tier": platform.tier.value,
        "gpu_hourly_budget_usd": platform.budget.gpu_hourly_usd,
        "queue_pool_hourly_budget_usd": platform.budget.queue_pool_hourly_usd,
        "required_tags": list(REQUIRED_TAG_KEYS),
        "freeze_weekday": freeze.weekday,
        "freeze_start": f"{freeze.start:%H:%M}",
        "freeze_end": f"{freeze.end:%H:%M}",
        "freeze_timezone": freeze.timezone,
        "deploy": deploy,
        "now": at.isoformat() if at else "",
        "freeze_override_reason": "",
    }
