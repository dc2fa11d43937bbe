"""One GCP region of the platform: network, private GKE cluster, node pools, photo storage, Memorystore,
the Artifact Registry repository its nodes pull the worker image from, and the ingress's reserved IP."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.gcp.cache import CACHE_PORT, GcpCache, GcpCacheArgs
from components.gcp.cdn import GcpDelivery, GcpDeliveryArgs
from components.gcp.gke_cluster import GkeCluster, GkeClusterArgs
from components.gcp.network import GcpNetwork, GcpNetworkArgs
from components.gcp.node_pool import GkeNodePool, GkeNodePoolArgs
from components.gcp.photo_storage import GcsPhotoStorage, GcsPhotoStorageArgs
from components.gcp.project import GcpProjectSetup
from components.gcp.redis import TLS_PORT, GcpRedis, GcpRedisArgs
from components.gcp.velero_storage import GcsVeleroStorage, GcsVeleroStorageArgs
from components.gcp.workload_identity import GkeIdentities, GkeIdentitiesArgs, workload_service_account
from components.kubeconfig import gke_kubeconfig
from components.kubernetes.platform import KubePlatform, WorkloadIdentities, kube_platform_args
from components.kubernetes.redis_connection import RedisConnection
from components.kubernetes.velero import VeleroArgs
from components.options import publish_outputs, stateful_opts
from components.region import RegionComponent
from foundation.config import Cloud, DeployerAccess, PlatformConfig, Region
from foundation.naming import (
    CACHE_SECRET,
    CACHE_SERVICE,
    GKE_WORKLOAD_IDENTITY_ANNOTATION,
    PHOTOS_PREFIX,
    cdn_host,
    cluster_name_for,
)
from foundation.node_pools import plan_node_pools
from foundation.planning import plan_gke_ranges
from foundation.tags import Tagging

# Names the reserved regional addresses of a LoadBalancer Service's forwarding rule (GKE 1.29+; it supersedes
# the deprecated spec.loadBalancerIP): "Static IP addresses" row of
# https://cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer-parameters
GKE_LB_ADDRESSES_ANNOTATION = "networking.gke.io/load-balancer-ip-addresses"


@dataclass(frozen=True)
class GcpRegionArgs:
    """The validated platform config and the region to build."""

    platform: PlatformConfig
    region: Region
    dns_provider: pulumi.ProviderResource  # AWS, for cert-manager's Route53 role
    project_setup: GcpProjectSetup  # APIs enabled and deployer IAM; the region is created after it
    cache_primary_cluster: pulumi.Input[str] | None = None  # the cluster its cache replicates, if any


class GcpRegion(RegionComponent):
    """Everything one GCP region runs; give it a `gcp.Provider` for the project and region through `opts`."""

    node_pool_names: pulumi.Output[dict[str, str]]
    redis_ca_certificate: pulumi.Output[str]
    registry_id: pulumi.Output[str]

    def __init__(self, name: str, args: GcpRegionArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:gcp:Region", name, None, opts)
        platform, region = args.platform, args.region
        assert platform.gcp is not None, "validated config has a gcp section when a region runs on gcp"
        project = platform.gcp.project
        tagging = Tagging(platform.environment, region.id)
        cluster_name = cluster_name_for(platform, region)
        ranges = plan_gke_ranges(region.network.cidr)
        child = pulumi.ResourceOptions(parent=self)

        network = GcpNetwork(f"{name}-network", GcpNetworkArgs(region.id, ranges), child)
        cluster = GkeCluster(
            f"{name}-gke",
            GkeClusterArgs(
                cluster_name=cluster_name,
                project=project,
                region=region.id,
                zones=region.network.availability_zones,
                kubernetes_version=region.kubernetes_version,
                network_id=network.network_id,
                subnetwork_id=network.subnetwork_id,
                control_plane_cidr=str(ranges.control_plane),
                authorized_cidrs=(str(region.network.cidr),),
                labels=tagging.gcp_labels("gke"),
                protect=platform.protect,
            ),
            child,
        )
        pools = {
            pool.resource_name: GkeNodePool(
                f"{name}-{pool.resource_name}",
                GkeNodePoolArgs(
                    cluster_id=cluster.cluster_id,
                    project=project,
                    region=region.id,
                    service_account=cluster.node_service_account,
                    pool=pool,
                    resource_labels=tagging.gcp_labels(f"nodes-{pool.resource_name}"),
                ),
                child,
            )
            for pool in plan_node_pools(platform, region)
        }
        storage = GcsPhotoStorage(
            f"{name}-storage",
            GcsPhotoStorageArgs(
                environment=platform.environment,
                project=project,
                region=region.id,
                backup_region=region.backup_region,
                tiers=platform.storage,
                labels=tagging.gcp_labels("photo-storage"),
                protect=platform.protect,
                storage_api=[args.project_setup.services["storage.googleapis.com"]],
            ),
            child,
        )
        if platform.delivery:
            GcpDelivery(
                f"{name}-cdn",
                GcpDeliveryArgs(
                    name=cluster_name,
                    project=project,
                    bucket_name=storage.bucket_name,
                    host=cdn_host(platform.dns, platform.delivery.host_label, region.id),
                    delivery=platform.delivery,
                    compute_api=[args.project_setup.services["compute.googleapis.com"]],
                ),
                child,
            )
        redis = GcpRedis(
            f"{name}-redis",
            GcpRedisArgs(
                name=f"{cluster_name}-jobs",
                project=project,
                region=region.id,
                size=region.redis,
                network_id=network.network_id,
                labels=tagging.gcp_labels("redis"),
                protect=platform.protect,
            ),
            child,
        )

        registry = gcp.artifactregistry.Repository(
            f"{name}-images",
            repository_id="wedsync",
            project=project,
            location=region.id,
            format="DOCKER",
            description="wedsync worker images (immutable tags)",
            docker_config=gcp.artifactregistry.RepositoryDockerConfigArgs(immutable_tags=True),
            labels=tagging.gcp_labels("registry"),
            opts=pulumi.ResourceOptions(parent=self),
        )

        identities = GkeIdentities(
            f"{name}-identities",
            GkeIdentitiesArgs(
                project,
                region.id,
                cluster_name,
                storage.bucket_name,
                platform.kubernetes.namespace,
                tagging,
                args.dns_provider,
                queue_workloads=tuple(w for w in platform.queue_workers if w.enabled),
            ),
            # The workload identity pool exists once a cluster with workload identity does.
            pulumi.ResourceOptions(parent=self, depends_on=[cluster]),
        )
        # A regional external address: the gateway is an L4 (passthrough) load balancer, which takes a regional
        # address, never a global one. It survives the Service, so DNS never points at a released IP.
        ingress_address = gcp.compute.Address(
            f"{name}-ingress-ip",
            name=f"{cluster_name}-ingress",
            project=project,
            region=region.id,
            address_type="EXTERNAL",
            network_tier="PREMIUM",
            description=f"Istio ingress gateway of {cluster_name}",
            labels=tagging.gcp_labels("ingress"),
            opts=stateful_opts(self, platform.protect),
        )
        velero = GcsVeleroStorage(
            f"{name}-velero",
            GcsVeleroStorageArgs(
                environment=platform.environment,
                project=project,
                region=region.id,
                backup_region=region.backup_region,
                cluster_name=cluster_name,
                tiers=platform.storage,
                labels=Tagging(platform.environment, region.backup_region).gcp_labels("velero-backup"),
                protect=platform.protect,
                after=(cluster, args.project_setup.services["storage.googleapis.com"]),
            ),
            child,
        )
        cache, cache_account = self._cache(name, args, cluster_name, network, tagging, cluster)
        self.kubeconfig = gke_kubeconfig(cluster_name, cluster.dns_endpoint)
        previews = [d.service_account for d in platform.gcp.deployers if d.access is DeployerAccess.PREVIEW]
        kube = KubePlatform(
            f"{name}-kubernetes",
            kube_platform_args(
                platform,
                region,
                kubeconfig=self.kubeconfig,
                store_uri=pulumi.Output.concat("gs://", storage.bucket_name, f"/{PHOTOS_PREFIX}"),
                bucket_uri=pulumi.Output.concat("gs://", storage.bucket_name),
                redis=RedisConnection(redis.host, TLS_PORT, redis.auth_string, ca=redis.ca_certificate),
                identities=WorkloadIdentities(
                    worker={GKE_WORKLOAD_IDENTITY_ANNOTATION: identities.worker_service_account},
                    api={GKE_WORKLOAD_IDENTITY_ANNOTATION: identities.api_service_account},
                    reconciler={GKE_WORKLOAD_IDENTITY_ANNOTATION: identities.reconciler_service_account},
                ),
                queue_identities={
                    name: {GKE_WORKLOAD_IDENTITY_ANNOTATION: email}
                    for name, email in identities.queue_service_accounts.items()
                },
                dns_role_arn=identities.dns_role_arn,
                preview_subjects=tuple(("User", email) for email in previews),
                metadata_server_egress=True,
                gateway_annotations={GKE_LB_ADDRESSES_ANNOTATION: ingress_address.name},
                cache=RedisConnection(
                    cache.endpoint, CACHE_PORT, None, ca=cache.ca_certificate, secret_name=CACHE_SECRET
                )
                if cache and cache_account
                else None,
                cache_identity={GKE_WORKLOAD_IDENTITY_ANNOTATION: cache_account.email} if cache_account else None,
                velero=VeleroArgs(
                    Cloud.GCP,
                    velero.bucket_name,
                    region.backup_region,
                    {GKE_WORKLOAD_IDENTITY_ANNOTATION: velero.service_account},
                    gcp_service_account=velero.service_account,
                ),
            ),
            pulumi.ResourceOptions(parent=self, depends_on=list(pools.values())),
        )

        publish_outputs(
            self,
            {
                "cluster_name": cluster.cluster_name,
                "cluster_endpoint": cluster.endpoint,
                "kubeconfig": self.kubeconfig,
                "node_pool_names": pulumi.Output.all(**{role: p.node_pool_name for role, p in pools.items()}),
                "bucket_name": storage.bucket_name,
                "redis_endpoint": redis.host,
                "redis_port": redis.port,
                "redis_auth_token": redis.auth_string,
                "redis_ca_certificate": redis.ca_certificate,
                "registry_id": registry.id,
                "ingress_endpoint": kube.ingress_endpoint,
                "cache_endpoint": cache.endpoint if cache else None,
            },
        )

    def _cache(
        self,
        name: str,
        args: GcpRegionArgs,
        cluster_name: str,
        network: GcpNetwork,
        tagging: Tagging,
        cluster: GkeCluster,
    ) -> tuple[GcpCache | None, gcp.serviceaccount.Account | None]:
        """The region's AI cache cluster, and the cache service's Google identity, the one allowed to connect."""
        platform, region = args.platform, args.region
        if platform.cache is None:
            return None, None
        assert platform.gcp is not None
        account = workload_service_account(
            f"{name}-cache-service",
            self,
            project=platform.gcp.project,
            cluster_name=cluster_name,
            role="cache",
            description="AI cache service",
            kubernetes_account=f"{platform.kubernetes.namespace}/{CACHE_SERVICE}",
            after=[cluster],
        )
        cache = GcpCache(
            f"{name}-cache",
            GcpCacheArgs(
                name=f"{cluster_name}-cache",
                project=platform.gcp.project,
                region=region.id,
                config=platform.cache,
                network_id=network.network_id,
                subnetwork_id=network.subnetwork_id,
                client_members=(account.member,),
                labels=tagging.gcp_labels("ai-cache"),
                protect=platform.protect,
                primary_cluster=args.cache_primary_cluster,
            ),
            pulumi.ResourceOptions(parent=self),
        )
        self.cache_replication_source = cache.cluster_id if platform.cache.is_replication_primary(region.id) else None
        return cache, account
