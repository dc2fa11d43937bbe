"""The tags every AWS resource carries and the labels every GCP resource carries.

Provider `default_tags` never reach a resource's inputs, so neither the plan nor a policy sees
them: every resource gets its tags explicitly from here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PROJECT_TAG = "wedsync-platform"
MANAGED_BY = "pulumi"
REQUIRED_TAG_KEYS = ("project", "environment", "region", "component", "managed-by")


@dataclass(frozen=True)
class Tagging:
    """Tags of one environment and region; `for_component` adds the component."""

    environment: str
    region: str

    def for_component(self, component: str, **extra: str) -> dict[str, str]:
        """Tags for a resource of `component`, with optional extra tags (e.g. `Name`)."""
        return {
            "project": PROJECT_TAG,
            "environment": self.environment,
            "region": self.region,
            "component": component,
            "managed-by": MANAGED_BY,
            **extra,
        }

    def gcp_labels(self, component: str) -> dict[str, str]:
        """The same keys as GCP labels (lowercase letters, digits, `-` and `_` only)."""
        return {key: _label_value(value) for key, value in self.for_component(component).items()}


def _label_value(value: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "-", value.lower())[:63]
