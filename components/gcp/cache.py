"""The region's AI cache on Memorystore for Redis Cluster: shards with replicas across zones, an LRU/LFU
eviction policy (unlike the job queue), TLS, IAM authentication, reached over Private Service Connect, at rest
under a Cloud KMS key; optionally a cross-region replica of another region's cluster."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.gcp.kms import create_agent_key
from components.options import child_opts, stateful_opts
from foundation.config import CacheConfig

CACHE_PORT = 6379  # the discovery endpoint's port
# The role that lets an identity open a connection to an IAM-authenticated cluster (it presents an access token
# as the AUTH password): cloud.google.com/memorystore/docs/cluster/about-iam-auth.
CONNECT_ROLE = "roles/redis.dbConnectionUser"


@dataclass(frozen=True)
class GcpCacheArgs:
    """Size and policy (config), network, who connects, and the cluster it replicates (None: takes writes)."""

    name: str
    project: str
    region: str
    config: CacheConfig
    network_id: pulumi.Input[str]
    subnetwork_id: pulumi.Input[str]
    client_members: tuple[pulumi.Input[str], ...]  # IAM members allowed to connect (the cache service)
    labels: dict[str, str]
    protect: bool
    primary_cluster: pulumi.Input[str] | None = None


class GcpCache(pulumi.ComponentResource):
    """A service connection policy for the Memorystore PSC endpoints and the cluster behind it."""

    endpoint: pulumi.Output[str]
    ca_certificate: pulumi.Output[str]
    cluster_id: pulumi.Output[str]

    def __init__(self, name: str, args: GcpCacheArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:gcp:Cache", name, None, opts)
        size = args.config
        policy = gcp.networkconnectivity.ServiceConnectionPolicy(
            f"{name}-psc-policy",
            name=f"{args.name}-psc",
            project=args.project,
            location=args.region,
            service_class="gcp-memorystore-redis",
            network=args.network_id,
            description="Memorystore for Redis Cluster endpoints in the region's private subnetwork",
            psc_config=gcp.networkconnectivity.ServiceConnectionPolicyPscConfigArgs(subnetworks=[args.subnetwork_id]),
            labels=args.labels,
            opts=child_opts(self),
        )
        agent = gcp.projects.ServiceIdentity(
            f"{name}-redis-agent", project=args.project, service="redis.googleapis.com", opts=child_opts(self)
        )
        key, key_use = create_agent_key(
            name,
            key_resource="key",
            agent="redis",
            key_ring_name=f"{args.name}-cache",
            key_name="ai-cache",
            location=args.region,
            project=args.project,
            labels=args.labels,
            agent_member=agent.member,
            parent=self,
            protect=args.protect,
        )
        replication = (
            gcp.redis.ClusterCrossClusterReplicationConfigArgs(
                cluster_role="SECONDARY",
                primary_cluster=gcp.redis.ClusterCrossClusterReplicationConfigPrimaryClusterArgs(
                    cluster=args.primary_cluster
                ),
            )
            if args.primary_cluster is not None
            else None
        )
        cluster = gcp.redis.Cluster(
            f"{name}-cluster",
            name=args.name,
            project=args.project,
            region=args.region,
            shard_count=size.shards,
            replica_count=size.replicas_per_shard,
            node_type=size.gcp_node_type,
            authorization_mode="AUTH_MODE_IAM_AUTH",
            transit_encryption_mode="TRANSIT_ENCRYPTION_MODE_SERVER_AUTHENTICATION",
            psc_configs=[gcp.redis.ClusterPscConfigArgs(network=args.network_id)],
            redis_configs={"maxmemory-policy": size.eviction_policy.value},
            zone_distribution_config=gcp.redis.ClusterZoneDistributionConfigArgs(mode="MULTI_ZONE"),
            kms_key=key.id,
            maintenance_policy=gcp.redis.ClusterMaintenancePolicyArgs(
                weekly_maintenance_windows=[
                    gcp.redis.ClusterMaintenancePolicyWeeklyMaintenanceWindowArgs(
                        day="TUESDAY",
                        start_time=gcp.redis.ClusterMaintenancePolicyWeeklyMaintenanceWindowStartTimeArgs(hours=4),
                    )
                ]
            ),
            cross_cluster_replication_config=replication,
            deletion_protection_enabled=args.protect,
            labels=args.labels,
            opts=stateful_opts(self, args.protect, depends_on=[policy, key_use]),
        )
        for index, member in enumerate(args.client_members):
            gcp.projects.IAMMember(
                f"{name}-connect-{index}",
                project=args.project,
                role=CONNECT_ROLE,
                member=member,
                opts=child_opts(self),
            )
        self.endpoint = cluster.discovery_endpoints.apply(
            lambda endpoints: (endpoints[0].address or "") if endpoints else ""
        )
        self.ca_certificate = cluster.managed_server_cas.apply(_first_certificate)
        self.cluster_id = cluster.id
        self.register_outputs(
            {"endpoint": self.endpoint, "ca_certificate": self.ca_certificate, "cluster_id": self.cluster_id}
        )


def _first_certificate(cas: Sequence[gcp.redis.outputs.ClusterManagedServerCa] | None) -> str:
    """The cluster's server CA (PEM), which clients verify TLS against."""
    for ca in cas or []:
        for cert in ca.ca_certs or []:
            if cert.certificates:
                return cert.certificates[0]
    return ""
