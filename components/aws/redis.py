"""The region's job queue on ElastiCache Redis: nothing evicted, encrypted both ways, failover on."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.elasticache_access import Placement, auth_token, private_access
from components.options import child_opts, stateful_opts
from foundation.config import RedisSize
from foundation.tags import Tagging

REDIS_PORT = 6379
ENGINE_VERSION = "7.1"
PARAMETER_FAMILY = "redis7"


@dataclass(frozen=True)
class AwsRedisArgs:
    """Size, placement and keys of the queue."""

    name: str
    size: RedisSize
    placement: Placement
    tagging: Tagging
    protect: bool


class AwsRedis(pulumi.ComponentResource):
    """A multi-AZ replication group that only the cluster's nodes can reach, over TLS with a token."""

    endpoint: pulumi.Output[str]
    port: pulumi.Output[int]
    auth_token: pulumi.Output[str]

    def __init__(self, name: str, args: AwsRedisArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:aws:Redis", name, None, opts)
        tags = args.tagging.for_component("redis")

        access = private_access(
            name,
            self,
            group_name=args.name,
            role="Redis",
            placement=args.placement,
            port=REDIS_PORT,
            tags=tags,
        )
        parameters = aws.elasticache.ParameterGroup(
            f"{name}-params",
            name=f"{args.name}-noeviction",
            family=PARAMETER_FAMILY,
            description="Job queue: never evict (a full Redis refuses writes rather than dropping jobs)",
            parameters=[aws.elasticache.ParameterGroupParameterArgs(name="maxmemory-policy", value="noeviction")],
            tags=tags,
            opts=child_opts(self),
        )
        token = auth_token(name, self)
        group = aws.elasticache.ReplicationGroup(
            f"{name}-group",
            replication_group_id=args.name,
            description=f"wedsync photo job queue ({args.tagging.region})",
            engine="redis",
            engine_version=ENGINE_VERSION,
            node_type=args.size.node_type,
            num_cache_clusters=args.size.nodes,
            port=REDIS_PORT,
            automatic_failover_enabled=True,
            multi_az_enabled=True,
            at_rest_encryption_enabled=True,
            kms_key_id=args.placement.key_arn,
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            auth_token=token.result,
            auth_token_update_strategy="ROTATE",
            parameter_group_name=parameters.name,
            subnet_group_name=access.subnet_group_name,
            security_group_ids=[access.security_group_id],
            snapshot_retention_limit=args.size.snapshot_retention_days,
            snapshot_window="03:00-04:00",
            maintenance_window="tue:04:30-tue:05:30",  # never on a wedding weekend
            final_snapshot_identifier=f"{args.name}-final" if args.protect else None,
            auto_minor_version_upgrade=True,
            tags=tags,
            opts=stateful_opts(self, args.protect),
        )

        self.endpoint = group.primary_endpoint_address
        self.port = group.port.apply(lambda port: port or REDIS_PORT)
        self.auth_token = pulumi.Output.secret(token.result)
        self.register_outputs({"endpoint": self.endpoint, "port": self.port, "auth_token": self.auth_token})
