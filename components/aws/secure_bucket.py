"""An S3 bucket with every safety on: versioned, KMS-encrypted, never public, TLS only, tiered.

pulumi-aws v7 models each bucket setting as its own resource beside `aws.s3.Bucket`; they are all
children of this component, so policies can join them to their bucket by parent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.aws.kms import account_administers_key, create_kms_key
from components.options import child_opts, stateful_opts
from foundation.config import StorageTiers
from foundation.iam_documents import tls_only_policy


@dataclass(frozen=True)
class Transition:
    """Move current versions to `storage_class` after `days`."""

    days: int
    storage_class: str


@dataclass(frozen=True)
class SecureBucketArgs:
    """Name, key, lifecycle and (for backups) the Object Lock retention of one bucket."""

    bucket_name: str
    key_arn: pulumi.Input[str]
    transitions: tuple[Transition, ...]
    noncurrent_versions_expire_after_days: int
    abort_incomplete_uploads_after_days: int
    tags: dict[str, str]
    protect: bool
    object_lock_days: int | None = None
    provider: pulumi.ProviderResource | None = None
    # Statements the bucket policy adds after its TLS-only deny, given the bucket's ARN (a CDN's read grant).
    policy_grants: Callable[[str], pulumi.Input[list[dict[str, Any]]]] | None = None


def _policy(
    bucket_arn: pulumi.Output[str], grants: Callable[[str], pulumi.Input[list[dict[str, Any]]]] | None
) -> pulumi.Output[str]:
    """The TLS-only deny, then the grants (computed from the bucket's ARN once it is known)."""
    statements: pulumi.Output[list[dict[str, Any]]] = (
        bucket_arn.apply(grants) if grants else pulumi.Output.from_input([])
    )
    return pulumi.Output.all(bucket_arn, statements).apply(lambda pair: tls_only_policy(pair[0], *pair[1]))


class SecureBucket(pulumi.ComponentResource):
    """A bucket and its side resources (versioning, encryption, public access block, policy, lifecycle)."""

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    versioning: aws.s3.BucketVersioning
    policy: aws.s3.BucketPolicy

    def __init__(self, name: str, args: SecureBucketArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:aws:SecureBucket", name, None, opts)
        provider = args.provider

        bucket = aws.s3.Bucket(
            f"{name}-bucket",
            bucket=args.bucket_name,
            object_lock_enabled=args.object_lock_days is not None,
            force_destroy=False,
            tags=args.tags,
            opts=stateful_opts(self, args.protect, provider=provider),
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child_opts(self, provider=provider),
        )
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child_opts(self, provider=provider),
        )
        self.versioning = aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child_opts(self, provider=provider),
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="aws:kms", kms_master_key_id=args.key_arn
                    ),
                    bucket_key_enabled=True,
                )
            ],
            opts=child_opts(self, provider=provider),
        )
        self.policy = aws.s3.BucketPolicy(
            f"{name}-tls-only",
            bucket=bucket.id,
            policy=_policy(bucket.arn, args.policy_grants),
            opts=child_opts(self, provider=provider, depends_on=[public_access]),
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="tiers-and-cleanup",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    transitions=[
                        aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                            days=t.days, storage_class=t.storage_class
                        )
                        for t in args.transitions
                    ],
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=args.noncurrent_versions_expire_after_days
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=args.abort_incomplete_uploads_after_days
                    ),
                )
            ],
            opts=child_opts(self, provider=provider, depends_on=[self.versioning]),
        )
        if args.object_lock_days is not None:
            aws.s3.BucketObjectLockConfiguration(
                f"{name}-object-lock",
                bucket=bucket.id,
                object_lock_enabled="Enabled",
                rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                    default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                        mode="GOVERNANCE", days=args.object_lock_days
                    )
                ),
                opts=child_opts(self, provider=provider, depends_on=[self.versioning]),
            )

        self.bucket_name = bucket.bucket
        self.bucket_arn = bucket.arn
        self.register_outputs({"bucket_name": self.bucket_name, "bucket_arn": self.bucket_arn})


@dataclass(frozen=True)
class LockedBackup:
    """Where a backup bucket lives and what it is called: its key's alias and description, its tags."""

    bucket_name: str
    key_alias: str
    key_description: str
    account_id: str
    tags: dict[str, str]


def locked_backup_bucket(
    name: str,
    backup: LockedBackup,
    tiers: StorageTiers,
    parent: pulumi.Resource,
    protect: bool,
    provider: pulumi.ProviderResource | None,
) -> tuple[aws.kms.Key, SecureBucket]:
    """A backup bucket under Object Lock (`tiers.backup_lock_days`) with a key of its own (`<name>-key`) and no
    transitions: the photo backups and the Velero backups of a region, in its backup region (`provider`)."""
    key = create_kms_key(
        f"{name}-key",
        backup.key_alias,
        backup.key_description,
        [account_administers_key(backup.account_id)],
        backup.tags,
        stateful_opts(parent, protect, provider=provider),
    )
    bucket = SecureBucket(
        name,
        SecureBucketArgs(
            bucket_name=backup.bucket_name,
            key_arn=key.arn,
            transitions=(),
            noncurrent_versions_expire_after_days=tiers.backup_noncurrent_versions_expire_after_days,
            abort_incomplete_uploads_after_days=tiers.abort_incomplete_uploads_after_days,
            tags=backup.tags,
            protect=protect,
            object_lock_days=tiers.backup_lock_days,
            provider=provider,
        ),
        pulumi.ResourceOptions(parent=parent),
    )
    return key, bucket
