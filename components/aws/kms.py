"""Customer-managed KMS keys: always rotating, administered by the account, protected with state."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from foundation.iam_documents import policy_document


def account_administers_key(account_id: str) -> dict[str, Any]:
    """The key-policy statement delegating the key's use to the account's IAM policies."""
    return {
        "Sid": "AccountAdministersKey",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }


def cloudwatch_logs_use_key(account_id: str, region: str) -> dict[str, Any]:
    """The key-policy statement letting CloudWatch Logs of one region encrypt its log groups."""
    return {
        "Sid": "CloudWatchLogsUseKey",
        "Effect": "Allow",
        "Principal": {"Service": f"logs.{region}.amazonaws.com"},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        "Resource": "*",
        "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{region}:{account_id}:*"}},
    }


def create_kms_key(
    name: str,
    alias: str,
    description: str,
    statements: list[dict[str, Any]],
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> aws.kms.Key:
    """A rotating symmetric key with an alias; `opts` carry parent, provider and protection."""
    key = aws.kms.Key(
        name,
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=policy_document(*statements),
        tags=tags,
        opts=opts,
    )
    aws.kms.Alias(
        f"{name}-alias",
        name=f"alias/{alias}",
        target_key_id=key.key_id,
        opts=pulumi.ResourceOptions(parent=opts.parent, provider=opts.provider),
    )
    return key
