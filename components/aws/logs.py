"""CloudWatch log groups: always KMS-encrypted, always with a retention."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.options import child_opts
from foundation.audit import AUDIT_LOG_RETENTION_DAYS


def encrypted_log_group(
    resource_name: str, group_name: str, key_arn: pulumi.Input[str], tags: dict[str, str], parent: pulumi.Resource
) -> aws.cloudwatch.LogGroup:
    """A log group encrypted with the region's key, kept as long as audit logs (flow and control-plane logs are)."""
    return aws.cloudwatch.LogGroup(
        resource_name,
        name=group_name,
        retention_in_days=AUDIT_LOG_RETENTION_DAYS,
        kms_key_id=key_arn,
        tags=tags,
        opts=child_opts(parent),
    )
