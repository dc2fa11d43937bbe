"""The policy pack's config for a stack, in CrossGuard's per-policy format.

`python -m infra policy-config --stack X` writes it for `pulumi preview --policy-pack-config`; the
offline check uses the same function, so both judge with the same budget and windows.
"""

from __future__ import annotations

from typing import Any

from policies import ALL_POLICIES, DEPLOY_GATES


def pack_config(settings: dict[str, Any]) -> dict[str, Any]:
    """Per-policy config: each policy gets the settings its schema declares; outside a deploy the
    deploy gates (images by digest) are advisory (`enforcementLevel`, which CrossGuard reads per policy)."""
    config: dict[str, Any] = {}
    for policy in ALL_POLICIES:
        schema = policy.config_schema
        if schema is not None:
            config[policy.name] = {key: settings[key] for key in schema.properties if key in settings}
        if policy.name in DEPLOY_GATES and not settings.get("deploy"):
            config.setdefault(policy.name, {})["enforcementLevel"] = "advisory"
    return config
