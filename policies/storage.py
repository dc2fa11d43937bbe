"""Photo storage: every bucket KMS-encrypted, versioned, never public, TLS only, tiered, replicated
(backups carry Object Lock instead). S3 side resources are joined to their bucket by parent, since
ids are unknown during a real preview."""

from __future__ import annotations

from collections.abc import Callable

from pulumi_policy import (
    PolicyResource,
    ResourceValidationArgs,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.build import Report, StackCheck, resource_policy, stack_policy
from policies.resources import S3_BUCKET, get, siblings

SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
PUBLIC_ACCESS = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
OBJECT_LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"

BucketCheck = Callable[[list[PolicyResource], PolicyResource], str | None]


def _each_bucket(check: BucketCheck) -> StackCheck:
    """A stack validation running `check(resources, bucket)` for every S3 bucket."""

    def validate(args: StackValidationArgs, report: Report) -> None:
        for bucket in (r for r in args.resources if r.resource_type == S3_BUCKET):
            problem = check(args.resources, bucket)
            if problem:
                report(f"bucket {get(bucket.props, 'bucket', default=bucket.name)}: {problem}", bucket.urn)

    return validate


def _kms_encrypted(resources: list[PolicyResource], bucket: PolicyResource) -> str | None:
    configs = siblings(resources, bucket, SSE)
    rules = [rule for c in configs for rule in get(c.props, "rules", default=[])]
    default = [get(rule, "applyServerSideEncryptionByDefault") or {} for rule in rules]
    if not any(d.get("sseAlgorithm") in ("aws:kms", "aws:kms:dsse") and d.get("kmsMasterKeyId") for d in default):
        return "no default encryption with a customer-managed KMS key"
    return None


def _versioned(resources: list[PolicyResource], bucket: PolicyResource) -> str | None:
    statuses = [get(v.props, "versioningConfiguration", "status") for v in siblings(resources, bucket, VERSIONING)]
    return None if "Enabled" in statuses else f"versioning is {statuses[0] if statuses else 'unset'}"


def _public_access_blocked(resources: list[PolicyResource], bucket: PolicyResource) -> str | None:
    flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    blocks = siblings(resources, bucket, PUBLIC_ACCESS)
    if not blocks:
        return "no public access block"
    missing = [f for f in flags if get(blocks[0].props, f) is not True]
    return f"public access not blocked: {', '.join(missing)} off" if missing else None


def _tls_only(resources: list[PolicyResource], bucket: PolicyResource) -> str | None:
    import json

    for policy in siblings(resources, bucket, POLICY):
        document = get(policy.props, "policy")
        try:
            statements = json.loads(document).get("Statement", []) if isinstance(document, str) else []
        except json.JSONDecodeError:
            continue
        for statement in statements:
            condition = get(statement, "Condition", "Bool", "aws:SecureTransport")
            if statement.get("Effect") == "Deny" and str(condition).lower() == "false":
                return None
    return "no bucket policy denying requests without TLS (aws:SecureTransport false)"


def _lifecycle(resources: list[PolicyResource], bucket: PolicyResource) -> str | None:
    rules = [r for c in siblings(resources, bucket, LIFECYCLE) for r in get(c.props, "rules", default=[])]
    enabled = [r for r in rules if r.get("status") == "Enabled"]
    if not enabled:
        return "no enabled lifecycle rule"
    if not any(get(r, "noncurrentVersionExpiration", "noncurrentDays") for r in enabled):
        return "noncurrent versions never expire"
    if not any(get(r, "abortIncompleteMultipartUpload", "daysAfterInitiation") for r in enabled):
        return "incomplete multipart uploads are never aborted"
    return None


def _replicated_or_locked(resources: list[PolicyResource], bucket: PolicyResource) -> str | None:
    if get(bucket.props, "objectLockEnabled") is True:  # a backup bucket: locked, never replicated further
        return None if siblings(resources, bucket, OBJECT_LOCK) else "backup bucket without an Object Lock rule"
    name = get(bucket.props, "bucket")
    component = bucket.parent.parent.urn if bucket.parent and bucket.parent.parent else None
    for config in (r for r in resources if r.resource_type == REPLICATION):
        same_bucket = name is not None and get(config.props, "bucket") == name
        same_storage = component is not None and config.parent is not None and config.parent.urn == component
        if (same_bucket or same_storage) and any(
            rule.get("status") == "Enabled" for rule in get(config.props, "rules", default=[])
        ):
            return None
    return "photo bucket is not replicated to a backup bucket"


def _bucket_policy(name: str, description: str, check: BucketCheck, remediation: str) -> StackValidationPolicy:
    return stack_policy(name, description, _each_bucket(check), remediation, severity=Severity.CRITICAL)


def _gcs_locked_down(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != "gcp:storage/bucket:Bucket":
        return
    props = args.props
    if get(props, "publicAccessPrevention") != "enforced":
        report(f"public access prevention is {get(props, 'publicAccessPrevention') or 'unset'}, not enforced")
    if get(props, "uniformBucketLevelAccess") is not True:
        report("uniform bucket-level access is off")
    if get(props, "versioning", "enabled") is not True:
        report("versioning is off")
    if not get(props, "encryption", "defaultKmsKeyName"):
        report("no customer-managed KMS key")


POLICIES = [
    _bucket_policy(
        "s3-kms-encryption",
        "S3 buckets encrypt by default with a customer-managed KMS key.",
        _kms_encrypted,
        "Use SecureBucket, which adds BucketServerSideEncryptionConfiguration (aws:kms).",
    ),
    _bucket_policy(
        "s3-versioning",
        "S3 buckets keep every version of every photo.",
        _versioned,
        "Add BucketVersioning with status Enabled beside the bucket.",
    ),
    _bucket_policy(
        "s3-public-access-blocked",
        "S3 buckets block every form of public access.",
        _public_access_blocked,
        "Add BucketPublicAccessBlock with all four flags true.",
    ),
    _bucket_policy(
        "s3-tls-only",
        "S3 buckets refuse requests without TLS.",
        _tls_only,
        "Add a BucketPolicy denying s3:* when aws:SecureTransport is false.",
    ),
    _bucket_policy(
        "s3-lifecycle",
        "S3 buckets tier, expire noncurrent versions and abort stale uploads.",
        _lifecycle,
        "Add BucketLifecycleConfiguration from the storage tiers in config.",
    ),
    _bucket_policy(
        "s3-photos-replicated",
        "Every photo bucket replicates to a backup; backups carry Object Lock.",
        _replicated_or_locked,
        "Use PhotoStorage, which replicates to a locked bucket in the backup region.",
    ),
    resource_policy(
        "gcs-locked-down",
        "GCS buckets: public access prevention, uniform access, versioning and CMEK.",
        _gcs_locked_down,
        "Set public_access_prevention='enforced', uniform_bucket_level_access, versioning and "
        "encryption.default_kms_key_name.",
        severity=Severity.CRITICAL,
    ),
]
