"""The region's AI cache on ElastiCache for Valkey: cluster mode, an LRU/LFU eviction policy (unlike the job
queue), TLS and an AUTH token kept in Secrets Manager, and optionally one member of a Global Datastore."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.aws.elasticache_access import Placement, auth_token, private_access
from components.options import child_opts, stateful_opts
from foundation.config import CacheConfig
from foundation.tags import Tagging

CACHE_PORT = 6379
# ElastiCache for Valkey 8.1 (GA July 2025; the engine lifecycle page lists no end of standard support for
# Valkey 8 as of 2026-11-29). Cluster mode and Global Datastore both support it.
ENGINE = "valkey"
ENGINE_VERSION = "8.1"
PARAMETER_FAMILY = "valkey8"


@dataclass(frozen=True)
class GlobalMembership:
    """How a replica region joins its primary's Global Datastore: the datastore's id and the primary's token
    (members of one datastore answer to one AUTH token)."""

    global_id: pulumi.Input[str]
    auth_token: pulumi.Input[str]


@dataclass(frozen=True)
class AwsCacheArgs:
    """Size and policy (config), placement, keys, and the Global Datastore it joins (None: it takes writes)."""

    name: str
    config: CacheConfig
    placement: Placement
    tagging: Tagging
    protect: bool
    joins: GlobalMembership | None = None
    global_primary: bool = False  # create a Global Datastore around this group for replica regions to join


class AwsCache(pulumi.ComponentResource):
    """A cluster-mode replication group that only the cluster's nodes reach, over TLS with a token."""

    endpoint: pulumi.Output[str]
    auth_token: pulumi.Output[str]
    token_secret_arn: pulumi.Output[str]
    membership: GlobalMembership | None  # what replica regions join (global primaries only)

    def __init__(self, name: str, args: AwsCacheArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:aws:Cache", name, None, opts)
        tags = args.tagging.for_component("ai-cache")
        size = args.config
        access = private_access(
            name,
            self,
            group_name=args.name,
            role="Cache",
            placement=args.placement,
            port=CACHE_PORT,
            tags=tags,
        )
        token = args.joins.auth_token if args.joins else auth_token(name, self).result
        common: dict[str, Any] = {
            "replication_group_id": args.name,
            "port": CACHE_PORT,
            "replicas_per_node_group": size.replicas_per_shard,
            "automatic_failover_enabled": True,
            "multi_az_enabled": True,
            "at_rest_encryption_enabled": True,
            "kms_key_id": args.placement.key_arn,
            "transit_encryption_enabled": True,
            "auth_token": token,
            "subnet_group_name": access.subnet_group_name,
            "security_group_ids": [access.security_group_id],
            "snapshot_retention_limit": size.snapshot_retention_days,
            "snapshot_window": "03:00-04:00",
            "maintenance_window": "tue:04:30-tue:05:30",  # never on a wedding weekend
            "final_snapshot_identifier": f"{args.name}-final" if args.protect else None,
            "tags": tags,
        }
        if args.joins is not None:
            # Engine, version, node type, shard count and parameters come from the Global Datastore; the
            # provider refuses num_node_groups on a member (pulumi_aws elasticache.ReplicationGroup docs).
            group = aws.elasticache.ReplicationGroup(
                f"{name}-group",
                description=f"wedsync AI cache replica ({args.tagging.region})",
                global_replication_group_id=args.joins.global_id,
                opts=stateful_opts(self, args.protect),
                **common,
            )
        else:
            parameters = aws.elasticache.ParameterGroup(
                f"{name}-params",
                name=f"{args.name}-{size.eviction_policy.value}",
                family=PARAMETER_FAMILY,
                description=f"AI cache: cluster mode, {size.eviction_policy.value} (a full cache drops cold keys)",
                parameters=[
                    aws.elasticache.ParameterGroupParameterArgs(name="cluster-enabled", value="yes"),
                    aws.elasticache.ParameterGroupParameterArgs(
                        name="maxmemory-policy", value=size.eviction_policy.value
                    ),
                ],
                tags=tags,
                opts=child_opts(self),
            )
            group = aws.elasticache.ReplicationGroup(
                f"{name}-group",
                description=f"wedsync AI cache ({args.tagging.region})",
                engine=ENGINE,
                engine_version=ENGINE_VERSION,
                node_type=size.aws_node_type,
                cluster_mode="enabled",
                num_node_groups=size.shards,
                transit_encryption_mode="required",
                auth_token_update_strategy="ROTATE",
                parameter_group_name=parameters.name,
                auto_minor_version_upgrade=True,
                opts=stateful_opts(self, args.protect),
                **common,
            )
        self.membership = None
        if args.global_primary:
            datastore = aws.elasticache.GlobalReplicationGroup(
                f"{name}-global",
                global_replication_group_id_suffix=args.name,
                global_replication_group_description=f"wedsync AI cache, replicated from {args.tagging.region}",
                primary_replication_group_id=group.id,
                opts=stateful_opts(self, args.protect),
            )
            self.membership = GlobalMembership(datastore.global_replication_group_id, token)
        secret = aws.secretsmanager.Secret(
            f"{name}-token-secret",
            name=f"{args.name}/auth-token",
            description="AUTH token of the AI cache: application teams read it with their own IAM role",
            kms_key_id=args.placement.key_arn,
            tags=tags,
            opts=child_opts(self),
        )
        aws.secretsmanager.SecretVersion(
            f"{name}-token", secret_id=secret.id, secret_string=token, opts=child_opts(self)
        )
        self.endpoint = group.configuration_endpoint_address
        self.auth_token = pulumi.Output.secret(token)
        self.token_secret_arn = secret.arn
        self.register_outputs(
            {"endpoint": self.endpoint, "auth_token": self.auth_token, "token_secret_arn": self.token_secret_arn}
        )
