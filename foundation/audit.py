"""What the control planes must log for an audit trail, and for how long (components enable it, policies check it)."""

from __future__ import annotations

# EKS control-plane log types sent to CloudWatch: API requests, the audit log, and IAM authentication.
EKS_CONTROL_PLANE_LOG_TYPES: tuple[str, ...] = ("api", "audit", "authenticator")

# Audit and flow logs are kept at least a year (CloudWatch log groups, the GCP `_Default` log bucket that holds
# Data Access audit logs and VPC flow logs, and the CloudTrail bucket's Object Lock and noncurrent versions).
AUDIT_LOG_RETENTION_DAYS = 365

# GCP services whose Data Access audit logs are on, and the log types each records.
GCP_AUDITED_SERVICES: tuple[str, ...] = ("storage.googleapis.com", "cloudkms.googleapis.com")
GCP_AUDIT_LOG_TYPES: tuple[str, ...] = ("ADMIN_READ", "DATA_READ", "DATA_WRITE")

# The S3 resource type whose data events (GetObject, PutObject, DeleteObject...) a trail records.
S3_OBJECT_RESOURCE_TYPE = "AWS::S3::Object"

# Route53 signs a zone only with an asymmetric ECC_NIST_P256 signing key in us-east-1, and writes query logs only to
# log groups there: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-configuring-dnssec-cmk-requirements.html
ROUTE53_REGION = "us-east-1"
DNSSEC_KEY_SPEC = "ECC_NIST_P256"
DNSSEC_KEY_USAGE = "SIGN_VERIFY"


def s3_bucket_arn(bucket_name: str) -> str:
    """A bucket's ARN, known from its name alone (S3 ARNs carry neither region nor account)."""
    return f"arn:aws:s3:::{bucket_name}"


def s3_objects_prefix(bucket_arn: str) -> str:
    """The `resources.ARN` prefix selecting every object of a bucket in a trail's advanced event selector."""
    return f"{bucket_arn}/"


def eks_node_group_arns(region: str, account_id: str, cluster_name: str) -> str:
    """Every managed node group of one EKS cluster (nodegroup/<cluster>/<node group name>/<uuid>)."""
    return f"arn:aws:eks:{region}:{account_id}:nodegroup/{cluster_name}/*/*"
