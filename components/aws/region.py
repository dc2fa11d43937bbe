"""One AWS region of the platform: key, network, EKS cluster, node groups, add-ons, photo storage, Redis."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.cache import CACHE_PORT, AwsCache, AwsCacheArgs, GlobalMembership
from components.aws.cluster_access import EksClusterAccess, EksClusterAccessArgs
from components.aws.eks_addons import CLUSTER_ADDONS, NETWORK_ADDONS, EksAddons, EksAddonsArgs
from components.aws.eks_cluster import EksCluster, EksClusterArgs
from components.aws.elasticache_access import Placement
from components.aws.kms import account_administers_key, cloudwatch_logs_use_key, create_kms_key
from components.aws.network import AwsNetwork, AwsNetworkArgs
from components.aws.node_group import ManagedNodeGroup, ManagedNodeGroupArgs
from components.aws.photo_storage import AwsPhotoStorage, AwsPhotoStorageArgs
from components.aws.redis import REDIS_PORT, AwsRedis, AwsRedisArgs
from components.aws.velero_storage import AwsVeleroStorage, AwsVeleroStorageArgs
from components.aws.workload_identity import EksIdentities, EksIdentitiesArgs
from components.kubeconfig import eks_kubeconfig
from components.kubernetes.platform import KubePlatform, WorkloadIdentities, kube_platform_args
from components.kubernetes.redis_connection import RedisConnection
from components.kubernetes.velero import VeleroArgs
from components.options import publish_outputs, stateful_opts
from components.region import RegionComponent
from foundation.config import KUBERNETES, Cloud, DeployerAccess, PlatformConfig, Region
from foundation.deployers import PREVIEW_GROUP
from foundation.deployment import STATE_REGION, image_signing_key_arn
from foundation.naming import CACHE_SECRET, IRSA_ANNOTATION, PHOTOS_PREFIX, cdn_host, cluster_name_for
from foundation.node_pools import NodePoolPlan, plan_node_pools
from foundation.tags import Tagging

# The ingress gateway's Service becomes a network load balancer (the in-tree AWS cloud controller).
NLB_ANNOTATIONS = {
    "service.beta.kubernetes.io/aws-load-balancer-type": "nlb",
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
}


@dataclass(frozen=True)
class AwsRegionArgs:
    """The validated platform config and the region to build."""

    platform: PlatformConfig
    region: Region
    backup_provider: pulumi.ProviderResource
    cache_joins: GlobalMembership | None = None  # the Global Datastore its cache replicates, if any


class AwsRegion(RegionComponent):
    """Everything one AWS region runs; give it an `aws.Provider` for the region through `opts`."""

    node_group_names: pulumi.Output[dict[str, str]]
    vpc_id: pulumi.Output[str]
    private_subnet_ids: pulumi.Output[list[str]]
    oidc_provider_arn: pulumi.Output[str]
    backup_bucket_name: pulumi.Output[str]
    audited_bucket_arns: tuple[pulumi.Output[str], ...]  # the photo, backup and Velero buckets the trail records

    def __init__(self, name: str, args: AwsRegionArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:aws:Region", name, None, opts)
        platform, region = args.platform, args.region
        assert platform.aws is not None, "validated config has an aws section when a region runs on aws"
        tagging = Tagging(platform.environment, region.id)
        cluster_name = cluster_name_for(platform, region)
        child = pulumi.ResourceOptions(parent=self)

        account_id = platform.aws.account_id
        key = create_kms_key(
            f"{name}-key",
            f"{cluster_name}-platform",
            f"wedsync cluster secrets, logs and Redis ({region.id})",
            [account_administers_key(account_id), cloudwatch_logs_use_key(account_id, region.id)],
            tagging.for_component("kms"),
            stateful_opts(self, platform.protect),
        )
        network = AwsNetwork(
            f"{name}-network",
            AwsNetworkArgs(region.network, cluster_name, tagging, key.arn),
            child,
        )
        cluster = EksCluster(
            f"{name}-eks",
            EksClusterArgs(
                cluster_name=cluster_name,
                kubernetes_version=region.kubernetes_version,
                subnet_ids=network.private_subnet_ids,
                api_access_cidrs=tuple(str(c) for c in platform.aws.api_access_cidrs),
                secrets_key_arn=key.arn,
                tagging=tagging,
                protect=platform.protect,
            ),
            child,
        )
        addon_pins = KUBERNETES[region.kubernetes_version].eks_addons

        def addons(component: str, names: tuple[str, ...], after: list[pulumi.Resource]) -> EksAddons:
            return EksAddons(
                f"{name}-{component}",
                EksAddonsArgs(
                    cluster_name=cluster.cluster_name,
                    oidc_provider_arn=cluster.oidc_provider_arn,
                    oidc_issuer_url=cluster.oidc_issuer_url,
                    addons=names,
                    pins=addon_pins,
                    tagging=tagging,
                    after=after,
                ),
                child,
            )

        network_addons = addons("network-addons", NETWORK_ADDONS, [])
        groups = {
            pool.resource_name: self._node_group(name, pool, cluster, network, tagging, network_addons)
            for pool in plan_node_pools(platform, region)
        }
        cluster_addons = addons("addons", CLUSTER_ADDONS, [groups["system"]])
        access = EksClusterAccess(
            f"{name}-access", EksClusterAccessArgs(cluster.cluster_name, platform.aws, tagging), child
        )

        storage = AwsPhotoStorage(
            f"{name}-storage",
            AwsPhotoStorageArgs(
                environment=platform.environment,
                region=region.id,
                backup_region=region.backup_region,
                account_id=account_id,
                tiers=platform.storage,
                tagging=tagging,
                protect=platform.protect,
                backup_provider=args.backup_provider,
                delivery=platform.delivery,
                delivery_host=cdn_host(platform.dns, platform.delivery.host_label, region.id)
                if platform.delivery
                else "",
            ),
            child,
        )
        placement = Placement(network.vpc_id, network.private_subnet_ids, cluster.cluster_security_group_id, key.arn)
        redis = AwsRedis(
            f"{name}-redis",
            AwsRedisArgs(
                name=f"{cluster_name}-jobs",
                size=region.redis,
                placement=placement,
                tagging=tagging,
                protect=platform.protect,
            ),
            child,
        )

        cache = (
            AwsCache(
                f"{name}-cache",
                AwsCacheArgs(
                    name=f"{cluster_name}-cache",
                    config=platform.cache,
                    placement=placement,
                    tagging=tagging,
                    protect=platform.protect,
                    joins=args.cache_joins,
                    global_primary=platform.cache.is_replication_primary(region.id),
                ),
                child,
            )
            if platform.cache is not None
            else None
        )

        identities = EksIdentities(
            f"{name}-identities",
            EksIdentitiesArgs(
                cluster_name=cluster_name,
                region=region.id,
                account_id=account_id,
                oidc_provider_arn=cluster.oidc_provider_arn,
                oidc_issuer_url=cluster.oidc_issuer_url,
                bucket_arn=storage.bucket_arn,
                key_arn=storage.key_arn,
                namespace=platform.kubernetes.namespace,
                tagging=tagging,
                queue_workloads=tuple(w for w in platform.queue_workers if w.enabled),
            ),
            child,
        )
        velero = AwsVeleroStorage(
            f"{name}-velero",
            AwsVeleroStorageArgs(
                environment=platform.environment,
                region=region.id,
                backup_region=region.backup_region,
                account_id=account_id,
                cluster_name=cluster_name,
                oidc_provider_arn=cluster.oidc_provider_arn,
                oidc_issuer_url=cluster.oidc_issuer_url,
                tiers=platform.storage,
                tagging=tagging,
                protect=platform.protect,
                backup_provider=args.backup_provider,
            ),
            child,
        )
        self.audited_bucket_arns = (storage.bucket_arn, storage.backup_bucket_arn, velero.bucket_arn)
        self.kubeconfig = eks_kubeconfig(
            cluster_name,
            cluster.endpoint,
            cluster.certificate_authority_data,
            region.id,
            access.deployer,
            platform.aws.assume_role_arn,
        )
        previews = any(role.access is DeployerAccess.PREVIEW for role in platform.aws.deployer_roles)
        kube = KubePlatform(
            f"{name}-kubernetes",
            kube_platform_args(
                platform,
                region,
                kubeconfig=self.kubeconfig,
                store_uri=pulumi.Output.concat("s3://", storage.bucket_name, f"/{PHOTOS_PREFIX}"),
                bucket_uri=pulumi.Output.concat("s3://", storage.bucket_name),
                redis=RedisConnection(redis.endpoint, REDIS_PORT, redis.auth_token, ca=None),
                identities=WorkloadIdentities(
                    worker={IRSA_ANNOTATION: identities.worker_role_arn},
                    api={IRSA_ANNOTATION: identities.api_role_arn},
                    reconciler={IRSA_ANNOTATION: identities.reconciler_role_arn},
                ),
                queue_identities={name: {IRSA_ANNOTATION: arn} for name, arn in identities.queue_role_arns.items()},
                dns_role_arn=identities.dns_role_arn,
                autoscaler_role_arn=identities.autoscaler_role_arn,
                gateway_annotations=NLB_ANNOTATIONS,
                cluster_access=tuple(access.associations),
                preview_subjects=(("Group", PREVIEW_GROUP),) if previews else (),
                image_signing_public_key=aws.kms.get_public_key_output(
                    key_id=image_signing_key_arn(platform.aws.account_id), region=STATE_REGION
                ).public_key_pem,
                cache=RedisConnection(cache.endpoint, CACHE_PORT, cache.auth_token, ca=None, secret_name=CACHE_SECRET)
                if cache
                else None,
                velero=VeleroArgs(
                    Cloud.AWS, velero.bucket_name, region.backup_region, {IRSA_ANNOTATION: velero.role_arn}
                ),
            ),
            pulumi.ResourceOptions(parent=self, depends_on=[*groups.values(), cluster_addons]),
        )

        self.cache_replication_source = cache.membership if cache else None
        publish_outputs(
            self,
            {
                "cluster_name": cluster.cluster_name,
                "cluster_endpoint": cluster.endpoint,
                "kubeconfig": self.kubeconfig,
                "node_group_names": pulumi.Output.all(**{role: g.node_group_name for role, g in groups.items()}),
                "vpc_id": network.vpc_id,
                "private_subnet_ids": network.private_subnet_ids,
                "oidc_provider_arn": cluster.oidc_provider_arn,
                "bucket_name": storage.bucket_name,
                "backup_bucket_name": storage.backup_bucket_name,
                "redis_endpoint": redis.endpoint,
                "redis_port": redis.port,
                "redis_auth_token": redis.auth_token,
                "ingress_endpoint": kube.ingress_endpoint,
                "cache_endpoint": cache.endpoint if cache else None,
            },
        )

    def _node_group(
        self,
        name: str,
        pool: NodePoolPlan,
        cluster: EksCluster,
        network: AwsNetwork,
        tagging: Tagging,
        network_addons: EksAddons,
    ) -> ManagedNodeGroup:
        return ManagedNodeGroup(
            f"{name}-{pool.resource_name}",
            ManagedNodeGroupArgs(
                cluster_name=cluster.cluster_name,
                node_role_arn=cluster.node_role_arn,
                subnet_ids=network.private_subnet_ids,
                pool=pool,
                tagging=tagging,
                joins_after=[*cluster.node_role_attachments, network_addons],
            ),
            pulumi.ResourceOptions(parent=self),
        )
