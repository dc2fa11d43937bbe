"""The stack program: one regional component per configured region, each with its own provider.

Composition only; resource details live in `components/`. This module does not know whether it
runs under `pulumi up` or under the offline preview's mocks.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.aws.region import AwsRegion, AwsRegionArgs
from infra.config import Cloud, PlatformConfig, Region, load_from_pulumi


def aws_provider(platform: PlatformConfig, region: Region) -> aws.Provider:
    """An explicit provider for one AWS region, pinned to the configured account."""
    assert platform.aws is not None
    assume_roles = (
        [aws.ProviderAssumeRoleArgs(role_arn=platform.aws.assume_role_arn, session_name="wedsync-platform")]
        if platform.aws.assume_role_arn
        else None
    )
    return aws.Provider(
        f"aws-{region.id}",
        region=region.id,
        allowed_account_ids=[platform.aws.account_id],
        assume_roles=assume_roles,
    )


def build(platform: PlatformConfig) -> None:
    """Declare every region and export its outputs."""
    clusters: dict[str, pulumi.Output] = {}
    kubeconfigs: dict[str, pulumi.Output[str]] = {}
    for region in platform.regions:
        if region.cloud is Cloud.AWS:
            component = AwsRegion(
                region.id,
                AwsRegionArgs(platform, region),
                pulumi.ResourceOptions(provider=aws_provider(platform, region)),
            )
            clusters[region.id] = pulumi.Output.from_input(
                {
                    "cloud": region.cloud.value,
                    "residency": region.residency,
                    "cluster_name": component.cluster_name,
                    "endpoint": component.cluster_endpoint,
                    "node_groups": component.node_group_names,
                    "vpc_id": component.vpc_id,
                }
            )
            kubeconfigs[region.id] = component.kubeconfig
        else:
            pulumi.log.warn(f"{region.id}: the GKE region component is not built yet; region skipped")
    pulumi.export("environment", platform.environment)
    pulumi.export("regions", clusters)
    pulumi.export("kubeconfigs", pulumi.Output.secret(kubeconfigs))
    pulumi.export("zones_without_failover", platform.zones_without_failover())


def main() -> None:
    """Entry point of `pulumi up` / `pulumi preview` (see infra/program/__main__.py)."""
    build(load_from_pulumi())
