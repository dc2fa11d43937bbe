"""The audit trail a security review accepts: every S3 bucket's object events in a validated, encrypted,
multi-region CloudTrail whose bucket keeps them a year; GCP Data Access logs for storage and KMS; audit and
flow logs kept a year; every created hosted zone DNSSEC-signed (with a us-east-1 ECC_NIST_P256 key) and logging
its queries. Joins use names and parents, which a real preview knows, never ids or ARNs it does not."""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import PolicyResource, ResourceValidationArgs, Severity, StackValidationArgs

from foundation.audit import (
    AUDIT_LOG_RETENTION_DAYS,
    DNSSEC_KEY_SPEC,
    DNSSEC_KEY_USAGE,
    GCP_AUDIT_LOG_TYPES,
    GCP_AUDITED_SERVICES,
    ROUTE53_REGION,
    S3_OBJECT_RESOURCE_TYPE,
    s3_bucket_arn,
    s3_objects_prefix,
)
from policies.build import Report, resource_policy, stack_policy
from policies.resources import S3_BUCKET, get, provider_region, siblings
from policies.storage import LIFECYCLE, OBJECT_LOCK

TRAIL = "aws:cloudtrail/trail:Trail"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
GCP_LOG_BUCKET = "gcp:logging/projectBucketConfig:ProjectBucketConfig"
GCP_AUDIT_CONFIG = "gcp:projects/iAMAuditConfig:IAMAuditConfig"
ZONE = "aws:route53/zone:Zone"
DNSSEC = "aws:route53/hostedZoneDnsSec:HostedZoneDnsSec"
KSK = "aws:route53/keySigningKey:KeySigningKey"
QUERY_LOG = "aws:route53/queryLog:QueryLog"
KMS_KEY = "aws:kms/key:Key"


def _sound(trail: PolicyResource) -> bool:
    props = trail.props
    return (
        get(props, "isMultiRegionTrail") is True
        and get(props, "enableLogFileValidation") is True
        and bool(get(props, "kmsKeyId"))
    )


def _object_prefixes(trail: PolicyResource) -> set[str] | None:
    """The object-ARN prefixes whose data events the trail records; None means every bucket's."""
    prefixes: set[str] = set()
    for selector in get(trail.props, "advancedEventSelectors", default=[]) or []:
        fields = {f.get("field"): f for f in get(selector, "fieldSelectors", default=[]) or []}
        if list(get(fields, "eventCategory", "equals", default=[])) != ["Data"]:
            continue
        if S3_OBJECT_RESOURCE_TYPE not in (get(fields, "resources.type", "equals", default=[]) or []):
            continue
        if "resources.ARN" not in fields:
            return None
        prefixes.update(get(fields, "resources.ARN", "startsWiths", default=[]) or [])
    return prefixes


def _covered(bucket_name: str, trails: Iterable[PolicyResource]) -> bool:
    for trail in trails:
        prefixes = _object_prefixes(trail)
        if prefixes is None or s3_objects_prefix(s3_bucket_arn(bucket_name)) in prefixes:
            return True
    return False


def _keeps_a_year(resources: list[PolicyResource], bucket: PolicyResource) -> str | None:
    """A trail bucket locks objects and keeps noncurrent versions at least a year, and never expires them sooner."""
    locks = [get(r.props, "rule", "defaultRetention", "days") or 0 for r in siblings(resources, bucket, OBJECT_LOCK)]
    if max(locks, default=0) < AUDIT_LOG_RETENTION_DAYS:
        return f"Object Lock keeps log files under {AUDIT_LOG_RETENTION_DAYS} days"
    for rule in (r for c in siblings(resources, bucket, LIFECYCLE) for r in get(c.props, "rules", default=[])):
        expires = get(rule, "expiration", "days")
        noncurrent = get(rule, "noncurrentVersionExpiration", "noncurrentDays")
        if rule.get("status") == "Enabled" and any(
            d is not None and d < AUDIT_LOG_RETENTION_DAYS for d in (expires, noncurrent)
        ):
            return f"a lifecycle rule deletes log files before {AUDIT_LOG_RETENTION_DAYS} days"
    return None


def _audit_trail(args: StackValidationArgs, report: Report) -> None:
    trails = [t for t in args.resources if t.resource_type == TRAIL and _sound(t)]
    buckets = [r for r in args.resources if r.resource_type == S3_BUCKET]
    if buckets and not trails:
        report("no multi-region CloudTrail with log file validation and a KMS key")
        return
    trail_buckets = {get(t.props, "s3BucketName") for t in trails}
    for bucket in buckets:
        name = get(bucket.props, "bucket")
        if name in trail_buckets:
            problem = _keeps_a_year(args.resources, bucket)
            if problem:
                report(f"trail bucket {name}: {problem}", bucket.urn)
        elif name and not _covered(name, trails):
            report(f"bucket {name}: its object reads and writes are in no trail's data events", bucket.urn)


def _retention(args: ResourceValidationArgs, report: Report) -> None:
    days = {LOG_GROUP: "retentionInDays", GCP_LOG_BUCKET: "retentionDays"}.get(args.resource_type)
    value = get(args.props, days) if days else None
    if value and value < AUDIT_LOG_RETENTION_DAYS:  # 0 or unset: CloudWatch keeps logs forever
        report(f"logs are kept {value} days, under the {AUDIT_LOG_RETENTION_DAYS} audit logs need")


def _gcp_data_access(args: StackValidationArgs, report: Report) -> None:
    if not any(r.resource_type.startswith("gcp:") for r in args.resources):
        return
    logged = {
        get(c.props, "service"): {get(t, "logType") for t in get(c.props, "auditLogConfigs", default=[]) or []}
        for c in args.resources
        if c.resource_type == GCP_AUDIT_CONFIG
    }
    for service in GCP_AUDITED_SERVICES:
        missing = set(GCP_AUDIT_LOG_TYPES) - logged.get(service, set())
        if missing:
            report(f"{service}: audit logs off for {', '.join(sorted(missing))}")


def _zone_problems(resources: list[PolicyResource], zone: PolicyResource) -> list[str]:
    problems = []
    if not any(get(d.props, "signingStatus") == "SIGNING" for d in siblings(resources, zone, DNSSEC)):
        problems.append("DNSSEC signing is off")
    if not any(get(k.props, "status") == "ACTIVE" for k in siblings(resources, zone, KSK)):
        problems.append("no active key-signing key")
    signing_keys = [
        k
        for k in siblings(resources, zone, KMS_KEY)
        if get(k.props, "customerMasterKeySpec") == DNSSEC_KEY_SPEC and get(k.props, "keyUsage") == DNSSEC_KEY_USAGE
    ]
    if not any(provider_region(k) == ROUTE53_REGION for k in signing_keys):
        problems.append(f"no {DNSSEC_KEY_SPEC} {DNSSEC_KEY_USAGE} KMS key in {ROUTE53_REGION} for its key-signing key")
    if not siblings(resources, zone, QUERY_LOG):
        problems.append("query logging is off")
    return problems


def _zones_signed_and_logged(args: StackValidationArgs, report: Report) -> None:
    for zone in (r for r in args.resources if r.resource_type == ZONE):
        problems = _zone_problems(args.resources, zone)
        if problems:
            report(f"hosted zone {get(zone.props, 'name')}: {'; '.join(problems)}", zone.urn)


POLICIES = [
    stack_policy(
        "aws-audit-trail",
        "A multi-region, validated, KMS-encrypted CloudTrail records every bucket's object events and its own "
        f"bucket keeps them {AUDIT_LOG_RETENTION_DAYS} days.",
        _audit_trail,
        "Create AuditTrail (components/aws/audit_trail.py) with every photo and backup bucket's ARN.",
        severity=Severity.HIGH,
    ),
    resource_policy(
        "audit-log-retention",
        f"CloudWatch log groups and GCP log buckets keep logs at least {AUDIT_LOG_RETENTION_DAYS} days.",
        _retention,
        "Use foundation.audit.AUDIT_LOG_RETENTION_DAYS for retention_in_days / retention_days.",
        severity=Severity.HIGH,
    ),
    stack_policy(
        "gcp-data-access-audit-logs",
        "The GCP project records Data Access audit logs for Cloud Storage and Cloud KMS.",
        _gcp_data_access,
        "Add gcp.projects.IAMAuditConfig for each service with ADMIN_READ, DATA_READ and DATA_WRITE.",
        severity=Severity.HIGH,
    ),
    stack_policy(
        "route53-zone-dnssec-and-query-logs",
        "Every hosted zone the program creates is DNSSEC-signed and logs its queries.",
        _zones_signed_and_logged,
        "Call sign_zone and log_queries (components/aws/zone_security.py) for the zone.",
        severity=Severity.HIGH,
    ),
]
