"""IAM policy documents, built as JSON (no `get_policy_document` invoke, so they show in the plan)."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from foundation.iam_documents import policy_document


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


def create_irsa_role(
    name: str,
    oidc_provider_arn: pulumi.Input[str],
    oidc_issuer_url: pulumi.Input[str],
    namespace: str,
    service_account: str,
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
    *,
    managed_policies: tuple[str, ...] = (),
    inline_policy: pulumi.Input[str] | None = None,
) -> aws.iam.Role:
    """A role one Kubernetes service account assumes through the cluster's OIDC issuer, with its permissions."""
    role = aws.iam.Role(
        name,
        assume_role_policy=irsa_trust_policy(oidc_provider_arn, oidc_issuer_url, namespace, service_account),
        tags=tags,
        opts=opts,
    )
    for index, policy_arn in enumerate(managed_policies):
        aws.iam.RolePolicyAttachment(f"{name}-{index}", role=role.name, policy_arn=policy_arn, opts=opts)
    if inline_policy is not None:
        aws.iam.RolePolicy(name, role=role.id, policy=inline_policy, opts=opts)
    return role


def route53_dns01_policy() -> str:
    """What cert-manager needs to answer DNS-01 challenges in Route53."""
    return policy_document(
        {"Effect": "Allow", "Action": "route53:GetChange", "Resource": "arn:aws:route53:::change/*"},
        {
            "Effect": "Allow",
            "Action": ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"],
            "Resource": "arn:aws:route53:::hostedzone/*",
        },
        {"Effect": "Allow", "Action": "route53:ListHostedZonesByName", "Resource": "*"},
    )
