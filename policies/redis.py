"""Redis (the job queues and the AI cache): encrypted at rest and in transit, authenticated; automatic failover
in prod."""

from __future__ import annotations

from pulumi_policy import ResourceValidationArgs, Severity

from foundation.policy_settings import setting
from policies.build import Report, resource_policy
from policies.resources import get

ELASTICACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
MEMORYSTORE = "gcp:redis/instance:Instance"
MEMORYSTORE_CLUSTER = "gcp:redis/cluster:Cluster"


def _encrypted_and_authenticated(args: ResourceValidationArgs, report: Report) -> None:
    props = args.props
    if args.resource_type == ELASTICACHE:
        if get(props, "atRestEncryptionEnabled") is not True:
            report("encryption at rest is off")
        if get(props, "transitEncryptionEnabled") is not True:
            report("encryption in transit is off")
        if not get(props, "authToken") and not get(props, "userGroupIds"):
            report("no AUTH token or user group: anyone on the network can read the queue")
    elif args.resource_type == MEMORYSTORE:
        if get(props, "transitEncryptionMode") != "SERVER_AUTHENTICATION":
            report("encryption in transit is off")
        if get(props, "authEnabled") is not True:
            report("AUTH is off")
    elif args.resource_type == MEMORYSTORE_CLUSTER:
        if get(props, "transitEncryptionMode") != "TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION":
            report("encryption in transit is off")
        if get(props, "authorizationMode") != "AUTH_MODE_IAM_AUTH":
            report("IAM authentication is off: anyone on the network can read the cache")


def _fails_over_in_prod(args: ResourceValidationArgs, report: Report) -> None:
    if setting(args.get_config(), "tier") != "prod":
        return
    if args.resource_type == ELASTICACHE and not (
        get(args.props, "automaticFailoverEnabled") is True and get(args.props, "multiAzEnabled") is True
    ):
        report("no multi-AZ automatic failover in prod")
    if args.resource_type == MEMORYSTORE and get(args.props, "tier") != "STANDARD_HA":
        report(f"tier {get(args.props, 'tier') or 'BASIC'} has no failover; prod needs STANDARD_HA")
    if args.resource_type == MEMORYSTORE_CLUSTER and not get(args.props, "replicaCount"):
        report("no replica per shard: a failed node loses its shard; prod needs replica_count >= 1")


POLICIES = [
    resource_policy(
        "redis-encrypted-and-authenticated",
        "Redis is encrypted at rest and in transit and needs AUTH.",
        _encrypted_and_authenticated,
        "Use AwsRedis / GcpRedis / AwsCache / GcpCache.",
        severity=Severity.CRITICAL,
    ),
    resource_policy(
        "redis-failover-in-prod",
        "In prod, Redis fails over automatically.",
        _fails_over_in_prod,
        "Set automatic_failover_enabled and multi_az_enabled, or STANDARD_HA.",
        settings=("tier",),
    ),
]
