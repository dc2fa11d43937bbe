"""No `pulumi up`, rename or refactor can delete photos or their keys in prod."""

from __future__ import annotations

from policies.resources import STATEFUL_TYPES


def test_every_stateful_resource_is_protected_and_retained_in_prod(prod) -> None:
    _, plan = prod
    stateful = [r for r in plan.resources if r.type in STATEFUL_TYPES]
    assert len(stateful) > 30
    for resource in stateful:
        assert resource.protect and resource.retain_on_delete, resource.urn


def test_cloud_side_deletion_protection_is_on_in_prod(prod) -> None:
    _, plan = prod
    for group in plan.of_type("aws:elasticache/replicationGroup:ReplicationGroup"):
        assert group.inputs["finalSnapshotIdentifier"].endswith("-final")
    for resource_type in ("gcp:container/cluster:Cluster", "gcp:redis/instance:Instance", "aws:eks/cluster:Cluster"):
        for resource in plan.of_type(resource_type):
            assert resource.inputs["deletionProtection"] is True, resource.urn


def test_staging_is_unprotected_unless_configured(staging, variant) -> None:
    _, plan = staging
    stateful = [r for r in plan.resources if r.type in STATEFUL_TYPES]
    assert stateful and not any(r.protect or r.retain_on_delete for r in stateful)
    _, protected = variant("staging", lambda raw: raw.update(protect_stateful=True))
    assert all(r.protect and r.retain_on_delete for r in protected.resources if r.type in STATEFUL_TYPES)


def test_nothing_stateless_is_protected(prod) -> None:
    _, plan = prod
    assert not any(r.protect for r in plan.resources if r.type not in STATEFUL_TYPES)
