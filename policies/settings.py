"""Each policy's config schema, built from the one settings schema in `foundation.policy_settings`."""

from __future__ import annotations

from pulumi_policy import PolicyConfigSchema

from foundation.policy_settings import SCHEMA


def schema(*keys: str) -> PolicyConfigSchema:
    """The config schema of a policy reading `keys`."""
    return PolicyConfigSchema(properties={key: SCHEMA[key] for key in keys})
