"""Where an EKS cluster's Velero keeps its backups: a secure bucket with its own key in the region's backup
region (the same residency zone, so a region loss does not take the backups with it), and the IRSA role of
Velero's server account, which may use that bucket and that key and nothing else.

Like the photo backups, the bucket carries Object Lock (governance, the tiers' backup_lock_days): a stolen
role cannot destroy the backups. Velero still expires backups at their TTL: a DeleteObject without a version
adds a delete marker, which Object Lock allows, and the locked versions expire after the lock. Uploads carry
the checksum Object Lock requires (the plugin's `checksumAlgorithm` defaults to CRC32,
velero-plugin-for-aws/object_store.go at v1.14.2).

The role's S3 actions are those velero-plugin-for-aws README.md (v1.14.2, "Set permissions for Velero") lists
for the object store, without `s3:PutObjectTagging` (only for a location's `config.tagging`, unset here) and
without the EC2 snapshot actions (no volume snapshots: components/kubernetes/velero.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.aws.iam import create_irsa_role
from components.aws.secure_bucket import LockedBackup, locked_backup_bucket
from components.options import child_opts
from foundation.config import StorageTiers
from foundation.iam_documents import policy_document
from foundation.naming import VELERO_NAMESPACE, VELERO_SERVICE_ACCOUNT
from foundation.tags import Tagging

OBJECT_ACTIONS = (
    "s3:GetObject",
    "s3:DeleteObject",
    "s3:PutObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
)


@dataclass(frozen=True)
class AwsVeleroStorageArgs:
    """The cluster, its OIDC issuer, and the backup region whose provider the bucket is created with."""

    environment: str
    region: str
    backup_region: str
    account_id: str
    cluster_name: str
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]
    tiers: StorageTiers
    tagging: Tagging
    protect: bool
    backup_provider: pulumi.ProviderResource


def velero_bucket_name(environment: str, region: str, account_id: str) -> str:
    """Globally unique; names the region whose cluster it backs up (the bucket lives in its backup region)."""
    return f"wedsync-{environment}-velero-{region}-{account_id}"


def velero_access_policy(bucket_arn: str, key_arn: str) -> str:
    """Velero's object-store actions on one bucket, and the use of that bucket's key."""
    return policy_document(
        {"Effect": "Allow", "Action": list(OBJECT_ACTIONS), "Resource": [f"{bucket_arn}/*"]},
        {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [bucket_arn]},
        {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], "Resource": [key_arn]},
    )


class AwsVeleroStorage(pulumi.ComponentResource):
    """The Velero bucket of one cluster and the role its server assumes."""

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AwsVeleroStorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:aws:VeleroStorage", name, None, opts)
        tags = Tagging(args.tagging.environment, args.backup_region).for_component(
            "velero-backup",
            **{"backup-of": args.region},  # the data-residency policy reads it
        )
        backup = LockedBackup(
            bucket_name=velero_bucket_name(args.environment, args.region, args.account_id),
            key_alias=f"wedsync-{args.environment}-velero-{args.region}",
            key_description=f"wedsync Velero backups of {args.cluster_name} ({args.backup_region})",
            account_id=args.account_id,
            tags=tags,
        )
        # Velero deletes each backup when its TTL ends: no transitions
        key, bucket = locked_backup_bucket(
            f"{name}-bucket", backup, args.tiers, self, args.protect, args.backup_provider
        )
        policy = pulumi.Output.all(bucket.bucket_arn, key.arn).apply(lambda v: velero_access_policy(v[0], v[1]))
        role = create_irsa_role(
            f"{name}-server",
            args.oidc_provider_arn,
            args.oidc_issuer_url,
            VELERO_NAMESPACE,
            VELERO_SERVICE_ACCOUNT,
            args.tagging.for_component("workload-identity"),
            child_opts(self),
            inline_policy=policy,
        )
        self.bucket_name = bucket.bucket_name
        self.bucket_arn = bucket.bucket_arn
        self.role_arn = role.arn
        self.register_outputs(
            {"bucket_name": self.bucket_name, "bucket_arn": self.bucket_arn, "role_arn": self.role_arn}
        )
