"""IAM policy documents both the platform and the bootstrap write (plain JSON, no Pulumi)."""

from __future__ import annotations

import json
from typing import Any


def policy_document(*statements: dict[str, Any]) -> str:
    """An IAM policy document with the given statements."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def tls_only_statement(bucket_arn: str) -> dict[str, Any]:
    """The bucket-policy statement denying every request that does not use TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def tls_only_policy(bucket_arn: str, *statements: dict[str, Any]) -> str:
    """A bucket policy denying every request that does not use TLS, with any further `statements`."""
    return policy_document(tls_only_statement(bucket_arn), *statements)
