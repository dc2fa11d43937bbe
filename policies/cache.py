"""The AI cache's cross-region replicas stay in their primary's residency zone: an ElastiCache Global Datastore's
members, and a Memorystore for Redis Cluster's cross-region secondaries (EU data stays in the EU)."""

from __future__ import annotations

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from foundation.catalog import residency_of
from policies.build import Report, stack_policy
from policies.resources import get, provider_region

ELASTICACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
GLOBAL_DATASTORE = "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup"
REDIS_CLUSTER = "gcp:redis/cluster:Cluster"


def _followed(resource: PolicyResource, prop: str, resource_type: str) -> PolicyResource | None:
    """The resource of `resource_type` that the value of `prop` came from (its property dependency)."""
    return next((r for r in resource.property_dependencies.get(prop, []) if r.resource_type == resource_type), None)


def _pairs(resources: list[PolicyResource]) -> list[tuple[PolicyResource, str | None, PolicyResource, str | None]]:
    """(replica, its region, primary, its region) for every cross-region cache replica in the plan."""
    pairs = []
    for replica in resources:
        if replica.resource_type == ELASTICACHE and get(replica.props, "globalReplicationGroupId"):
            datastore = _followed(replica, "globalReplicationGroupId", GLOBAL_DATASTORE)
            primary = _followed(datastore, "primaryReplicationGroupId", ELASTICACHE) if datastore else None
            if primary is not None:
                pairs.append((replica, provider_region(replica), primary, provider_region(primary)))
            else:
                pairs.append((replica, provider_region(replica), replica, None))
        elif replica.resource_type == REDIS_CLUSTER and get(
            replica.props, "crossClusterReplicationConfig", "primaryCluster"
        ):
            primary = _followed(replica, "crossClusterReplicationConfig", REDIS_CLUSTER)
            region = get(replica.props, "region")
            pairs.append((replica, region, primary or replica, get(primary.props, "region") if primary else None))
    return pairs


def _check(args: StackValidationArgs, report: Report) -> None:
    for replica, region, primary, primary_region in _pairs(args.resources):
        cloud = "aws" if replica.resource_type == ELASTICACHE else "gcp"
        zone = residency_of(cloud, region) if region else None
        primary_zone = residency_of(cloud, primary_region) if primary_region else None
        if zone is None or primary_zone is None:
            report(
                f"cannot place the cache replica in {region} or its primary ({primary_region}) in a zone", replica.urn
            )
        elif zone != primary_zone:
            report(
                f"the cache in {region} (zone {zone}) replicates {primary.name} in {primary_region} "
                f"(zone {primary_zone}): cached data must stay in its residency zone",
                replica.urn,
            )


POLICIES = [
    stack_policy(
        "cache-residency",
        "Cross-region replicas of the AI cache (Global Datastore, Memorystore secondaries) stay in the primary's "
        "residency zone.",
        _check,
        "List only regions of the primary's residency zone under cache.replication[].secondaries.",
        severity=Severity.CRITICAL,
    )
]
