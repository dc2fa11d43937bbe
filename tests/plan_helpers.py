"""Reading a captured plan the way a policy pack must: by parent and dependencies, not by ids."""

from __future__ import annotations

from infra.offline.monitor import Registration
from infra.offline.plan import Plan


def children(plan: Plan, parent: Registration, resource_type: str) -> list[Registration]:
    """The direct children of a component of one type."""
    return [r for r in plan.resources if r.parent == parent.urn and r.type == resource_type]


def sibling(plan: Plan, resource: Registration, resource_type: str) -> Registration:
    """The one resource of a type beside `resource` under the same component."""
    (found,) = [r for r in plan.resources if r.parent == resource.parent and r.type == resource_type]
    return found


def provider_region(plan: Plan, resource: Registration) -> str:
    """The region of the provider a resource is created with."""
    assert resource.provider, resource.urn
    provider_urn = resource.provider.rsplit("::", 1)[0]
    return str(plan.by_urn()[provider_urn].inputs["region"])


def by_output(plan: Plan, resource_type: str, key: str, value: object) -> Registration:
    """The resource of a type whose mock output `key` equals `value` (e.g. the bucket with a given ARN)."""
    (found,) = [r for r in plan.of_type(resource_type) if r.outputs.get(key) == value]
    return found
