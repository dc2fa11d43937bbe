"""Redis job queues: encrypted at rest and in transit, authenticated; automatic failover in prod."""

from __future__ import annotations

from pulumi_policy import ResourceValidationArgs, Severity

from foundation.policy_settings import setting
from policies.build import Report, resource_policy
from policies.resources import get

ELASTICACHE = "aws:elasticache/replicationGroup:ReplicationGroup"
MEMORYSTORE = "gcp:redis/instance:Instance"


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


def _fails_over_in_prod(args: ResourceValidationArgs, report: Report) -> None:
    if setting(args.get_config(), "tier") != "prod":
        return
    if args.resource_type == ELASTICACHE and not (
        get(args.props, "automaticFailoverEnabled") is True and get(args.props, "multiAzEnabled") is True
    ):
        report("no multi-AZ automatic failover in prod")
    if args.resource_type == MEMORYSTORE and get(args.props, "tier") != "STANDARD_HA":
        report(f"tier {get(args.props, 'tier') or 'BASIC'} has no failover; prod needs STANDARD_HA")


POLICIES = [
    resource_policy(
        "redis-encrypted-and-authenticated",
        "Redis is encrypted at rest and in transit and needs AUTH.",
        _encrypted_and_authenticated,
        "Use AwsRedis / GcpRedis.",
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
