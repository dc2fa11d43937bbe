"""The account's Pulumi state bucket and the KMS key that encrypts it and the stacks' secrets.

Built like the platform's SecureBucket (components/aws/secure_bucket.py) but apart from it: the bootstrap
runs before the platform exists and imports none of it. The pack's bucket policies judge both
(tests/test_bootstrap.py), so the two cannot drift apart on what matters."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from foundation.deployment import SECRETS_KEY_ALIAS, state_bucket
from foundation.iam_documents import policy_document, tls_only_policy
from foundation.tags import Tagging

NONCURRENT_STATE_DAYS = 365  # every checkpoint of the last year can be restored
ABORT_UPLOADS_DAYS = 7


@dataclass(frozen=True)
class StateBackendArgs:
    account_id: str
    tagging: Tagging


def _key_policy(account_id: str) -> str:
    """The account administers the key through IAM (the roles' policies grant its use); nothing else may."""
    root = {"AWS": f"arn:aws:iam::{account_id}:root"}
    return policy_document(
        {"Sid": "AccountThroughIam", "Effect": "Allow", "Principal": root, "Action": "kms:*", "Resource": "*"}
    )


class StateBackend(pulumi.ComponentResource):
    """Versioned, KMS-encrypted, private, TLS-only state; protected from deletion."""

    bucket_name: pulumi.Output[str]
    key_arn: pulumi.Output[str]

    def __init__(self, name: str, args: StateBackendArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:bootstrap:StateBackend", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        kept = pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True)
        tags = args.tagging.for_component("pulumi-state")
        key = aws.kms.Key(
            f"{name}-key",
            description="Pulumi state objects and stack secrets of this account",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=_key_policy(args.account_id),
            tags=tags,
            opts=kept,
        )
        aws.kms.Alias(f"{name}-key-alias", name=SECRETS_KEY_ALIAS, target_key_id=key.key_id, opts=child)
        bucket_name = state_bucket(args.account_id)
        bucket = aws.s3.Bucket(f"{name}-bucket", bucket=bucket_name, force_destroy=False, tags=tags, opts=kept)
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketVersioning(
            f"{name}-versioning",
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="aws:kms", kms_master_key_id=key.arn
                    ),
                    bucket_key_enabled=True,
                )
            ],
            opts=child,
        )
        aws.s3.BucketPolicy(f"{name}-tls-only", bucket=bucket.id, policy=bucket.arn.apply(tls_only_policy), opts=child)
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="old-checkpoints",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=NONCURRENT_STATE_DAYS
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=ABORT_UPLOADS_DAYS
                    ),
                )
            ],
            opts=child,
        )
        self.bucket_name = bucket.bucket
        self.key_arn = key.arn
        self.register_outputs({"bucket_name": self.bucket_name, "key_arn": self.key_arn})
