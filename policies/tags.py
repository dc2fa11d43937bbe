"""Tags on every taggable AWS resource and labels on GCP resources, so cost and ownership are traceable."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs

from foundation.policy_settings import setting
from policies.build import Report, resource_policy
from policies.resources import get

# AWS resource types without a `tags` argument; every other AWS resource must carry the tags.
UNTAGGABLE_AWS = frozenset(
    {
        "aws:cloudfront/cachePolicy:CachePolicy",  # CloudFront's policies, keys and OACs take no tags
        "aws:cloudfront/keyGroup:KeyGroup",
        "aws:cloudfront/originAccessControl:OriginAccessControl",
        "aws:cloudfront/publicKey:PublicKey",
        "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:kms/alias:Alias",
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "aws:route53/record:Record",
        "aws:route53/keySigningKey:KeySigningKey",
        "aws:route53/hostedZoneDnsSec:HostedZoneDnsSec",
        "aws:route53/queryLog:QueryLog",
        "aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketVersioning:BucketVersioning",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketPolicy:BucketPolicy",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
        "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
        "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup",
        "aws:secretsmanager/secretVersion:SecretVersion",
    }
)
# Where each labelled GCP resource type keeps its labels.
GCP_LABEL_PATHS: dict[str, tuple[str, ...]] = {
    "gcp:storage/bucket:Bucket": ("labels",),
    "gcp:kms/cryptoKey:CryptoKey": ("labels",),
    "gcp:redis/instance:Instance": ("labels",),
    "gcp:redis/cluster:Cluster": ("labels",),
    "gcp:networkconnectivity/serviceConnectionPolicy:ServiceConnectionPolicy": ("labels",),
    "gcp:container/cluster:Cluster": ("resourceLabels",),
    "gcp:container/nodePool:NodePool": ("nodeConfig", "resourceLabels"),
    "gcp:artifactregistry/repository:Repository": ("labels",),
    "gcp:compute/address:Address": ("labels",),
}


def labels_of(resource_type: str, props: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The tags (AWS) or labels (GCP) of a resource; None when the type carries none."""
    if resource_type.startswith("aws:") and resource_type not in UNTAGGABLE_AWS:
        return get(props, "tags", default={}) or {}
    if resource_type in GCP_LABEL_PATHS:
        return get(props, *GCP_LABEL_PATHS[resource_type], default={}) or {}
    return None


def _required_tags(args: ResourceValidationArgs, report: Report) -> None:
    labels = labels_of(args.resource_type, args.props)
    if labels is None:
        return
    missing = [key for key in setting(args.get_config(), "required_tags") if key not in labels]
    if missing:
        report(
            f"missing required {'tags' if args.resource_type.startswith('aws:') else 'labels'}: {', '.join(missing)}"
        )


POLICIES = [
    resource_policy(
        "required-tags",
        "Taggable AWS resources carry the required tags; GCP resources the labels.",
        _required_tags,
        "Tag through foundation.tags.Tagging (for_component / gcp_labels).",
        settings=("required_tags",),
    ),
]
