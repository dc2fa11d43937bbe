"""Resource options shared by every component: children parented to the component, state protected."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi


def child_opts(
    parent: pulumi.Resource,
    *,
    depends_on: list[pulumi.Resource] | None = None,
    provider: pulumi.ProviderResource | None = None,
) -> pulumi.ResourceOptions:
    """Options of an ordinary child: parented to its component, whose provider it inherits unless given one."""
    return pulumi.ResourceOptions(parent=parent, depends_on=depends_on, provider=provider)


def stateful_opts(
    parent: pulumi.Resource,
    protect: bool,
    *,
    depends_on: list[pulumi.Resource] | None = None,
    provider: pulumi.ProviderResource | None = None,
) -> pulumi.ResourceOptions:
    """Options of a child holding state (keys, buckets, Redis, clusters).

    Protected resources are also retained on delete, so that neither `pulumi up` nor a rename or a
    refactor can delete them.
    """
    return pulumi.ResourceOptions(
        parent=parent, protect=protect, retain_on_delete=protect, depends_on=depends_on, provider=provider
    )


def publish_outputs(component: pulumi.ComponentResource, outputs: Mapping[str, pulumi.Input[Any]]) -> None:
    """Set each output as an attribute of the component (declared on its class) and register them all."""
    for key, value in outputs.items():
        setattr(component, key, value)
    component.register_outputs(dict(outputs))
