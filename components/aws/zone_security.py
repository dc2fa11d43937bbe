"""DNSSEC signing and query logging for a hosted zone the program creates (Route53 requires both in us-east-1).

Route53 signs with a key-signing key backed by an asymmetric ECC_NIST_P256 KMS key in us-east-1 whose policy
lets `dnssec-route53.amazonaws.com` use it, and logs public queries only to a CloudWatch log group in us-east-1
that a CloudWatch Logs resource policy opens to `route53.amazonaws.com`:
https://docs.aws.amazon.com/Route53/latest/APIReference/API_CreateQueryLoggingConfig.html
The caller creates these with a us-east-1 provider (the DNS API region).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws

from components.aws.kms import account_administers_key, cloudwatch_logs_use_key, create_kms_key
from components.aws.logs import encrypted_log_group
from components.options import child_opts, stateful_opts
from foundation.audit import DNSSEC_KEY_SPEC, DNSSEC_KEY_USAGE, ROUTE53_REGION
from foundation.iam_documents import policy_document

DNSSEC_PRINCIPAL = "dnssec-route53.amazonaws.com"
QUERY_LOG_PREFIX = "/aws/route53/"


def route53_dnssec_uses_key(account_id: str) -> list[dict[str, Any]]:
    """The key-policy statements Route53 DNSSEC needs: sign with the key, and grant itself its use."""
    return [
        {
            "Sid": "Route53DnssecSigns",
            "Effect": "Allow",
            "Principal": {"Service": DNSSEC_PRINCIPAL},
            "Action": ["kms:DescribeKey", "kms:GetPublicKey", "kms:Sign"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account_id},
                "ArnLike": {"aws:SourceArn": "arn:aws:route53:::hostedzone/*"},
            },
        },
        {
            "Sid": "Route53DnssecCreatesGrant",
            "Effect": "Allow",
            "Principal": {"Service": DNSSEC_PRINCIPAL},
            "Action": "kms:CreateGrant",
            "Resource": "*",
            "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        },
    ]


def sign_zone(
    name: str, zone: aws.route53.Zone, account_id: str, tags: dict[str, str], parent: pulumi.Resource, protect: bool
) -> aws.route53.HostedZoneDnsSec:
    """An asymmetric signing key (asymmetric keys cannot rotate; Route53 rotates zone-signing keys itself), the
    zone's key-signing key on it, and DNSSEC signing turned on once the KSK is active."""
    key = aws.kms.Key(
        f"{name}-dnssec-key",
        description=f"DNSSEC key-signing key of {name}",
        customer_master_key_spec=DNSSEC_KEY_SPEC,
        key_usage=DNSSEC_KEY_USAGE,
        deletion_window_in_days=30,
        policy=policy_document(account_administers_key(account_id), *route53_dnssec_uses_key(account_id)),
        tags=tags,
        opts=stateful_opts(parent, protect),
    )
    ksk = aws.route53.KeySigningKey(
        f"{name}-ksk",
        hosted_zone_id=zone.zone_id,
        key_management_service_arn=key.arn,
        name=f"{name.replace('-', '_')}_ksk",
        status="ACTIVE",
        opts=child_opts(parent),
    )
    return aws.route53.HostedZoneDnsSec(
        f"{name}-dnssec",
        hosted_zone_id=ksk.hosted_zone_id,
        signing_status="SIGNING",
        opts=child_opts(parent, depends_on=[ksk]),
    )


def log_queries(
    name: str,
    zone: aws.route53.Zone,
    domain: str,
    account_id: str,
    tags: dict[str, str],
    parent: pulumi.Resource,
    protect: bool,
) -> aws.route53.QueryLog:
    """The zone's public query log: an encrypted log group under /aws/route53/, opened to Route53 alone."""
    key = create_kms_key(
        f"{name}-query-log-key",
        f"wedsync-dns-query-logs-{domain.replace('.', '-')}",
        f"Route53 query logs of {domain}",
        [account_administers_key(account_id), cloudwatch_logs_use_key(account_id, ROUTE53_REGION)],
        tags,
        stateful_opts(parent, protect),
    )
    group = encrypted_log_group(f"{name}-query-log", f"{QUERY_LOG_PREFIX}{domain}", key.arn, tags, parent)
    access = aws.cloudwatch.LogResourcePolicy(
        f"{name}-query-log-access",
        policy_name=f"route53-query-logs-{domain.replace('.', '-')}",
        policy_document=group.arn.apply(
            lambda arn: policy_document(
                {
                    "Sid": "Route53WritesQueryLogs",
                    "Effect": "Allow",
                    "Principal": {"Service": "route53.amazonaws.com"},
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"{arn}:*",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": account_id},
                        "ArnLike": {"aws:SourceArn": "arn:aws:route53:::hostedzone/*"},
                    },
                }
            )
        ),
        opts=child_opts(parent),
    )
    return aws.route53.QueryLog(
        f"{name}-query-log",
        zone_id=zone.zone_id,
        cloudwatch_log_group_arn=group.arn,
        opts=child_opts(parent, depends_on=[access]),
    )
