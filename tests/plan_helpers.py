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


def ancestors(plan: Plan, resource: Registration) -> set[str]:
    """Every URN that is created before `resource` starts: its dependencies, its provider and its parent chain
    (a child registers only once its parent has, and a component registers only once its `depends_on` are
    done), transitively. This is how custom resources inherit ordering from the components they sit in."""
    index = plan.by_urn()
    seen: set[str] = set()
    pending = [resource]
    while pending:
        current = pending.pop()
        before = [*current.dependencies, current.parent or ""]
        if current.provider:
            before.append(current.provider.rsplit("::", 1)[0])
        for urn in before:
            if urn in index and urn not in seen:
                seen.add(urn)
                pending.append(index[urn])
    return seen


def same_cluster(plan: Plan, resource: Registration, resource_type: str) -> list[Registration]:
    """The resources of a type created with the same Kubernetes provider as `resource`."""
    return [r for r in plan.of_type(resource_type) if r.provider == resource.provider]
