"""The pack's settings: one schema, each policy declaring the keys it reads.

CrossGuard cannot read stack config, so `python -m infra policy-config --stack X` writes these
settings from `Pulumi.X.yaml`; the offline check uses the same function.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyConfigSchema

from components.tags import REQUIRED_TAG_KEYS

SCHEMA: dict[str, dict[str, Any]] = {
    "environment": {"type": "string", "default": "prod", "description": "Stack environment name"},
    "tier": {"type": "string", "enum": ["prod", "nonprod"], "default": "prod", "description": "prod is strictest"},
    "gpu_hourly_budget_usd": {"type": "number", "default": 500, "description": "Worst-case GPU spend cap, $/h"},
    "required_tags": {"type": "array", "items": {"type": "string"}, "default": list(REQUIRED_TAG_KEYS)},
    "freeze_weekday": {"type": "string", "default": "saturday"},
    "freeze_start": {"type": "string", "default": "10:00", "description": "HH:MM, local time"},
    "freeze_end": {"type": "string", "default": "20:00", "description": "HH:MM, local time"},
    "freeze_timezone": {"type": "string", "default": "America/New_York"},
    "deploy": {"type": "boolean", "default": False, "description": "true for `pulumi up` (the deploy workflow)"},
    "now": {"type": "string", "default": "", "description": "ISO 8601 instant to evaluate at (tests); empty: now"},
    "freeze_override_reason": {"type": "string", "default": "", "description": "Why a frozen deploy must go out"},
}


def schema(*keys: str) -> PolicyConfigSchema:
    """The config schema of a policy reading `keys`."""
    return PolicyConfigSchema(properties={key: SCHEMA[key] for key in keys})


def setting(config: Mapping[str, Any], key: str) -> Any:
    """A setting from a policy's config, or its default."""
    value = config.get(key)
    return SCHEMA[key]["default"] if value is None else value
