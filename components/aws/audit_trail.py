"""The account's audit trail: one multi-region CloudTrail, validated and KMS-encrypted, into its own locked bucket.

Why CloudTrail data events rather than S3 server access logs for the photo and backup buckets: a data event names
the IAM identity (role session, access key, source IP) behind every GetObject/PutObject/DeleteObject, is delivered
within minutes rather than best-effort, and lands in digest-signed files (log file validation) that prove nothing was
removed or altered. Server access logs are unauthenticated, unsigned, best-effort text written into another
bucket of the same account, which a security review cannot use as evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.aws.kms import account_administers_key, create_kms_key
from components.aws.secure_bucket import SecureBucket, SecureBucketArgs, Transition
from components.options import child_opts, stateful_opts
from foundation.audit import AUDIT_LOG_RETENTION_DAYS, S3_OBJECT_RESOURCE_TYPE, s3_objects_prefix
from foundation.tags import Tagging

CLOUDTRAIL = "cloudtrail.amazonaws.com"
ARCHIVE_AFTER_DAYS = 90  # digests and logs are rarely read after the first quarter
ABORT_UPLOADS_AFTER_DAYS = 7


@dataclass(frozen=True)
class AuditTrailArgs:
    """The account, the trail's home region, and the buckets whose object-level events it records."""

    environment: str
    account_id: str
    home_region: str
    audited_bucket_arns: Sequence[pulumi.Input[str]]
    tagging: Tagging
    protect: bool


def trail_name(environment: str) -> str:
    """The trail's name (its ARN, and so the key and bucket policies, follow from it)."""
    return f"wedsync-{environment}-audit"


def trail_arn(args: AuditTrailArgs) -> str:
    """The ARN the trail will have, known before it exists (policies name it as aws:SourceArn)."""
    return f"arn:aws:cloudtrail:{args.home_region}:{args.account_id}:trail/{trail_name(args.environment)}"


def cloudtrail_uses_key(args: AuditTrailArgs) -> list[dict[str, Any]]:
    """Key-policy statements letting this trail encrypt log files and describe the key.

    https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
    """
    source = {"StringEquals": {"aws:SourceArn": trail_arn(args)}}
    return [
        {
            "Sid": "CloudTrailEncryptsLogs",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL},
            "Action": "kms:GenerateDataKey*",
            "Resource": "*",
            "Condition": {
                **source,
                "StringLike": {
                    "kms:EncryptionContext:aws:cloudtrail:arn": f"arn:aws:cloudtrail:*:{args.account_id}:trail/*"
                },
            },
        },
        {
            "Sid": "CloudTrailDescribesKey",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL},
            "Action": "kms:DescribeKey",
            "Resource": "*",
            "Condition": source,
        },
    ]


def cloudtrail_writes_bucket(args: AuditTrailArgs, bucket_arn: str) -> list[dict[str, Any]]:
    """Bucket-policy statements letting this trail (and only it) check the ACL and write under AWSLogs/<account>.

    https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
    """
    source = {"aws:SourceArn": trail_arn(args)}
    return [
        {
            "Sid": "CloudTrailChecksAcl",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL},
            "Action": "s3:GetBucketAcl",
            "Resource": bucket_arn,
            "Condition": {"StringEquals": source},
        },
        {
            "Sid": "CloudTrailWritesLogs",
            "Effect": "Allow",
            "Principal": {"Service": CLOUDTRAIL},
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/AWSLogs/{args.account_id}/*",
            "Condition": {"StringEquals": {**source, "s3:x-amz-acl": "bucket-owner-full-control"}},
        },
    ]


def data_event_selectors(bucket_arns: list[str]) -> list[aws.cloudtrail.TrailAdvancedEventSelectorArgs]:
    """Every management event, and every object-level (data) event of the given buckets, reads and writes."""
    field = aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs
    return [
        aws.cloudtrail.TrailAdvancedEventSelectorArgs(
            name="Management events", field_selectors=[field(field="eventCategory", equals=["Management"])]
        ),
        aws.cloudtrail.TrailAdvancedEventSelectorArgs(
            name="Object events of photo and backup buckets",
            field_selectors=[
                field(field="eventCategory", equals=["Data"]),
                field(field="resources.type", equals=[S3_OBJECT_RESOURCE_TYPE]),
                field(field="resources.ARN", starts_withs=sorted(s3_objects_prefix(arn) for arn in bucket_arns)),
            ],
        ),
    ]


class AuditTrail(pulumi.ComponentResource):
    """The trail, its key, and its bucket (versioned, Object Lock for a year, TLS only, never public)."""

    trail_arn: pulumi.Output[str]
    bucket_name: pulumi.Output[str]

    def __init__(self, name: str, args: AuditTrailArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:aws:AuditTrail", name, None, opts)
        tags = args.tagging.for_component("audit-trail")
        key = create_kms_key(
            f"{name}-key",
            f"wedsync-{args.environment}-audit-trail",
            "wedsync CloudTrail log files",
            [account_administers_key(args.account_id), *cloudtrail_uses_key(args)],
            tags,
            stateful_opts(self, args.protect),
        )
        bucket = SecureBucket(
            f"{name}-logs",
            SecureBucketArgs(
                bucket_name=f"wedsync-{args.environment}-audit-trail-{args.account_id}",
                key_arn=key.arn,
                transitions=(Transition(ARCHIVE_AFTER_DAYS, "GLACIER_IR"),),
                noncurrent_versions_expire_after_days=AUDIT_LOG_RETENTION_DAYS,
                abort_incomplete_uploads_after_days=ABORT_UPLOADS_AFTER_DAYS,
                tags=tags,
                protect=args.protect,
                object_lock_days=AUDIT_LOG_RETENTION_DAYS,
                policy_grants=lambda arn: cloudtrail_writes_bucket(args, arn),
            ),
            pulumi.ResourceOptions(parent=self),
        )
        trail = aws.cloudtrail.Trail(
            f"{name}-trail",
            name=trail_name(args.environment),
            s3_bucket_name=bucket.bucket_name,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            kms_key_id=key.arn,
            advanced_event_selectors=pulumi.Output.all(*args.audited_bucket_arns).apply(data_event_selectors),
            tags=tags,
            opts=child_opts(self, depends_on=[bucket.policy]),
        )
        self.trail_arn = trail.arn
        self.bucket_name = bucket.bucket_name
        self.register_outputs({"trail_arn": self.trail_arn, "bucket_name": self.bucket_name})
