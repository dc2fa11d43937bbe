"""The stack program: one regional component per configured region, each with its own provider.

Composition only; resource details live in `components/`. This module does not know whether it
runs under `pulumi up` or under the offline preview's mocks.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp

from components.aws.audit_trail import AuditTrail, AuditTrailArgs
from components.aws.region import AwsRegion, AwsRegionArgs
from components.aws.registry import EcrRepository, EcrRepositoryArgs
from components.dns import GlobalTraffic, GlobalTrafficArgs, RegionEndpoint
from components.gcp.binary_authorization import BinaryAuthorizationArgs
from components.gcp.project import GcpProjectSetup, GcpProjectSetupArgs
from components.gcp.region import GcpRegion, GcpRegionArgs
from components.region import RegionComponent
from foundation.audit import ROUTE53_REGION
from foundation.config import Cloud, PlatformConfig, Region, load_from_pulumi
from foundation.config.cache import cache_build_order
from foundation.deployment import IMAGE_PUSH_ROLE, gcp_service_account
from foundation.supply_chain import allow_list
from foundation.tags import Tagging

DNS_API_REGION = ROUTE53_REGION  # Route53 is global; its API (and DNSSEC keys, query logs) lives in us-east-1


def aws_provider(platform: PlatformConfig, region: str) -> aws.Provider:
    """An explicit provider for one AWS region, pinned to the configured account."""
    assert platform.aws is not None
    assume_roles = (
        [aws.ProviderAssumeRoleArgs(role_arn=platform.aws.assume_role_arn, session_name="wedsync-platform")]
        if platform.aws.assume_role_arn
        else None
    )
    return aws.Provider(
        f"aws-{region}", region=region, allowed_account_ids=[platform.aws.account_id], assume_roles=assume_roles
    )


def gcp_provider(platform: PlatformConfig, region: Region | None) -> gcp.Provider:
    """An explicit provider for one GCP region of the configured project (None: the project itself)."""
    assert platform.gcp is not None
    if region is None:
        return gcp.Provider("gcp-project", project=platform.gcp.project)
    return gcp.Provider(f"gcp-{region.id}", project=platform.gcp.project, region=region.id)


def gcp_project_setup(platform: PlatformConfig) -> GcpProjectSetup | None:
    """The project's APIs and deployer IAM, once, when a region runs on GCP."""
    if platform.gcp is None or not any(r.cloud is Cloud.GCP for r in platform.regions):
        return None
    return GcpProjectSetup(
        "gcp-project",
        GcpProjectSetupArgs(
            platform.gcp.project,
            platform.gcp.deployers,
            BinaryAuthorizationArgs(
                project=platform.gcp.project,
                allow_list=allow_list(platform, Cloud.GCP),
                signer=gcp_service_account(platform.gcp.project, IMAGE_PUSH_ROLE),
                labels=Tagging(platform.environment, "global").gcp_labels("binary-authorization"),
                protect=platform.protect,
            ),
        ),
        pulumi.ResourceOptions(provider=gcp_provider(platform, None)),
    )


def aws_regions_needing_a_provider(platform: PlatformConfig) -> list[str]:
    """AWS regions with a cluster, AWS backup regions, and Route53's API region, each once."""
    regions = [r.id for r in platform.regions if r.cloud is Cloud.AWS]
    regions += [r.backup_region for r in platform.regions if r.cloud is Cloud.AWS]
    regions.append(DNS_API_REGION)
    return list(dict.fromkeys(regions))


def registry_region(platform: PlatformConfig) -> str:
    """Where the worker's ECR repository lives: the primary region if it is on AWS, else Route53's."""
    return platform.primary.id if platform.primary.cloud is Cloud.AWS else DNS_API_REGION


def audit_trail(platform: PlatformConfig, audited_buckets: list[pulumi.Output[str]], home: aws.Provider) -> AuditTrail:
    """The account's multi-region trail, in the home region of its account-wide resources (the registry's)."""
    assert platform.aws is not None
    return AuditTrail(
        "audit-trail",
        AuditTrailArgs(
            environment=platform.environment,
            account_id=platform.aws.account_id,
            home_region=registry_region(platform),
            audited_bucket_arns=tuple(audited_buckets),
            tagging=Tagging(platform.environment, registry_region(platform)),
            protect=platform.protect,
        ),
        pulumi.ResourceOptions(provider=home),
    )


def build(platform: PlatformConfig) -> None:
    """Declare every region and the global traffic layer, and export their outputs."""
    aws_providers = {region: aws_provider(platform, region) for region in aws_regions_needing_a_provider(platform)}
    project_setup = gcp_project_setup(platform)
    outputs: dict[str, pulumi.Output] = {}
    secrets: dict[str, pulumi.Output] = {}
    endpoints: list[RegionEndpoint] = []
    audited_buckets: list[pulumi.Output[str]] = []
    cache_sources: dict[str, Any] = {}  # what each cache-replication primary offers its replica regions
    for region in cache_build_order(platform.cache, platform.regions):  # a replica region after its primary
        cache_source = cache_sources.get(platform.cache.primary_of(region.id) or "") if platform.cache else None
        if region.cloud is Cloud.AWS:
            aws_region = AwsRegion(
                region.id,
                AwsRegionArgs(
                    platform, region, backup_provider=aws_providers[region.backup_region], cache_joins=cache_source
                ),
                pulumi.ResourceOptions(provider=aws_providers[region.id]),
            )
            audited_buckets += aws_region.audited_bucket_arns
            component: RegionComponent = aws_region
        else:
            assert project_setup is not None
            component = GcpRegion(
                region.id,
                GcpRegionArgs(
                    platform, region, aws_providers[DNS_API_REGION], project_setup, cache_primary_cluster=cache_source
                ),
                pulumi.ResourceOptions(provider=gcp_provider(platform, region), depends_on=[project_setup]),
            )
        cache_sources[region.id] = component.cache_replication_source
        # The region's ingress gateway: a load-balancer hostname (AWS) or IP (GKE).
        endpoints.append(
            RegionEndpoint(
                region.id,
                region.residency,
                region.route53_region,
                component.ingress_endpoint,
                region.cloud is Cloud.GCP,
            )
        )
        outputs[region.id] = pulumi.Output.from_input(
            {
                "cloud": region.cloud.value,
                "residency": region.residency,
                "cluster_name": component.cluster_name,
                "endpoint": component.cluster_endpoint,
                "bucket": component.bucket_name,
                "redis_endpoint": component.redis_endpoint,
                "redis_port": component.redis_port,
                "ingress": component.ingress_endpoint,
                "cache_endpoint": component.cache_endpoint,
            }
        )
        credentials = {"kubeconfig": component.kubeconfig, "redis_auth_token": component.redis_auth_token}
        if isinstance(component, GcpRegion):  # Memorystore's TLS uses a private CA clients must trust
            credentials["redis_ca_certificate"] = component.redis_ca_certificate
        secrets[region.id] = pulumi.Output.from_input(credentials)

    registry = EcrRepository(
        "worker-images",
        EcrRepositoryArgs("wedsync/gpu-worker", Tagging(platform.environment, platform.primary.id)),
        pulumi.ResourceOptions(provider=aws_providers[registry_region(platform)]),
    )
    audit_trail(platform, audited_buckets, aws_providers[registry_region(platform)])
    assert platform.aws is not None, "validated config has an aws section: DNS lives in Route53"
    traffic = GlobalTraffic(
        "dns",
        GlobalTrafficArgs(
            platform.dns,
            tuple(endpoints),
            Tagging(platform.environment, "global"),
            platform.protect,
            platform.aws.account_id,
        ),
        pulumi.ResourceOptions(provider=aws_providers[DNS_API_REGION]),
    )
    pulumi.export("environment", platform.environment)
    pulumi.export("regions", outputs)
    pulumi.export("dns", {"regional_names": traffic.regional_names, "zone_names": traffic.zone_names})
    pulumi.export("zones_without_failover", platform.zones_without_failover())
    pulumi.export("worker_repository", registry.repository_url)
    pulumi.export("credentials", pulumi.Output.secret(secrets))


def main() -> None:
    """Entry point of `pulumi up` / `pulumi preview` (see the root `__main__.py`)."""
    build(load_from_pulumi())
