"""The policy pack's config for a stack, in CrossGuard's per-policy format.

`python -m infra policy-config --stack X` writes it for `pulumi preview --policy-pack-config`; the
offline check uses the same function, so both judge with the same budget and windows.
"""

from __future__ import annotations

from typing import Any

from policies import ALL_POLICIES


def pack_config(settings: dict[str, Any]) -> dict[str, Any]:
    """Per-policy config: each policy gets the settings its schema declares."""
    config: dict[str, Any] = {}
    for policy in ALL_POLICIES:
        schema = policy.config_schema
        if schema is not None:
            config[policy.name] = {key: settings[key] for key in schema.properties if key in settings}
    return config
