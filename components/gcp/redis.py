"""The region's job queue on Memorystore: standard HA, TLS, AUTH, no eviction, deletion protection."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.options import stateful_opts
from foundation.config import RedisSize

REDIS_VERSION = "REDIS_7_2"
TLS_PORT = 6378  # Memorystore serves TLS on 6378


@dataclass(frozen=True)
class GcpRedisArgs:
    """Size, network and protection of the queue."""

    name: str
    project: str
    region: str
    size: RedisSize
    network_id: pulumi.Input[str]
    labels: dict[str, str]
    protect: bool


class GcpRedis(pulumi.ComponentResource):
    """A STANDARD_HA Memorystore instance on the region's VPC."""

    host: pulumi.Output[str]
    port: pulumi.Output[int]
    auth_string: pulumi.Output[str]
    ca_certificate: pulumi.Output[str]

    def __init__(self, name: str, args: GcpRedisArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:gcp:Redis", name, None, opts)
        instance = gcp.redis.Instance(
            f"{name}-instance",
            name=args.name,
            project=args.project,
            region=args.region,
            tier="STANDARD_HA",
            memory_size_gb=args.size.memory_gb,
            redis_version=REDIS_VERSION,
            authorized_network=args.network_id,
            connect_mode="DIRECT_PEERING",
            auth_enabled=True,
            transit_encryption_mode="SERVER_AUTHENTICATION",
            redis_configs={"maxmemory-policy": "noeviction"},
            persistence_config=gcp.redis.InstancePersistenceConfigArgs(
                persistence_mode="RDB", rdb_snapshot_period="ONE_HOUR"
            ),
            maintenance_policy=gcp.redis.InstanceMaintenancePolicyArgs(
                weekly_maintenance_windows=[
                    gcp.redis.InstanceMaintenancePolicyWeeklyMaintenanceWindowArgs(
                        day="TUESDAY",
                        start_time=gcp.redis.InstanceMaintenancePolicyWeeklyMaintenanceWindowStartTimeArgs(hours=4),
                    )
                ]
            ),
            deletion_protection=args.protect,
            labels=args.labels,
            opts=stateful_opts(self, args.protect),
        )
        self.host = instance.host
        self.port = instance.port.apply(lambda port: port or TLS_PORT)
        self.auth_string = pulumi.Output.secret(instance.auth_string)
        self.ca_certificate = pulumi.Output.secret(
            instance.server_ca_certs.apply(lambda certs: (certs[0].cert or "") if certs else "")
        )
        self.register_outputs(
            {
                "host": self.host,
                "port": self.port,
                "auth_string": self.auth_string,
                "ca_certificate": self.ca_certificate,
            }
        )
