"""The region's customer-managed KMS key for cluster secrets and log groups."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.aws.iam import policy_document
from components.options import child_opts, stateful_opts


def secrets_and_logs_key_policy(account_id: str, region: str) -> str:
    """Key policy: the account administers the key; CloudWatch Logs of this region may use it."""
    return policy_document(
        {
            "Sid": "AccountAdministersKey",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "CloudWatchLogsUseKey",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": [
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ],
            "Resource": "*",
            "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account_id}:*"}},
        },
    )


def create_secrets_and_logs_key(
    name: str,
    account_id: str,
    region: str,
    tags: dict[str, str],
    parent: pulumi.Resource,
    protect: bool,
) -> aws.kms.Key:
    """A rotating symmetric key (with an alias) for EKS secrets and the region's log groups."""
    key = aws.kms.Key(
        f"{name}-key",
        description=f"wedsync EKS secrets and logs ({region})",
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=secrets_and_logs_key_policy(account_id, region),
        tags=tags,
        opts=stateful_opts(parent, protect),
    )
    aws.kms.Alias(
        f"{name}-key-alias",
        name=f"alias/{name}-eks",
        target_key_id=key.key_id,
        opts=child_opts(parent),
    )
    return key
