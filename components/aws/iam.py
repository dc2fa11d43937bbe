"""IAM policy documents, built as JSON (no `get_policy_document` invoke, so they show in the plan)."""

from __future__ import annotations

import json
from typing import Any

import pulumi


def policy_document(*statements: dict[str, Any]) -> str:
    """An IAM policy document with the given statements."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def service_trust_policy(*services: str) -> str:
    """A trust policy letting AWS services (e.g. `eks.amazonaws.com`) assume the role."""
    return policy_document({"Effect": "Allow", "Principal": {"Service": list(services)}, "Action": "sts:AssumeRole"})


def irsa_trust_policy(
    oidc_provider_arn: pulumi.Input[str],
    oidc_issuer_url: pulumi.Input[str],
    namespace: str,
    service_account: str,
) -> pulumi.Output[str]:
    """A trust policy letting exactly one Kubernetes service account assume the role (IRSA)."""

    def build(arn: str, issuer_url: str) -> str:
        issuer = issuer_url.removeprefix("https://")
        return policy_document(
            {
                "Effect": "Allow",
                "Principal": {"Federated": arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                        f"{issuer}:aud": "sts.amazonaws.com",
                    }
                },
            }
        )

    return pulumi.Output.all(oidc_provider_arn, oidc_issuer_url).apply(lambda v: build(v[0], v[1]))


def managed_policy_arn(name: str) -> str:
    """The ARN of an AWS-managed policy."""
    return f"arn:aws:iam::aws:policy/{name}"
