"""GitHub Actions on AWS: the account's OIDC provider, a role per CI job, and the image signing key."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from foundation.deployment import (
    DEPLOY_ROLE,
    GITHUB_AUDIENCE,
    GITHUB_OIDC_HOST,
    IMAGE_PUSH_ROLE,
    IMAGE_SIGNING_KEY_ALIAS,
    PREVIEW_ROLE,
    WORKER_REPOSITORY,
    CiRole,
    github_subjects,
    state_bucket,
)
from foundation.tags import Tagging

READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
POWER_USER = "arn:aws:iam::aws:policy/PowerUserAccess"
# Reads of data, not configuration: ReadOnlyAccess would let a pull request's preview read photos and secrets.
DATA_READS = ["s3:GetObject", "s3:GetObjectVersion", "secretsmanager:GetSecretValue", "ssm:GetParameter*"]
ECR_PUSH = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:DescribeImages",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
]


@dataclass(frozen=True)
class GithubAwsArgs:
    account_id: str
    repository: str
    environment: str
    state_key_arn: pulumi.Input[str]
    tagging: Tagging


def _document(*statements: dict[str, Any]) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _trust(provider_arn: str, subject: str) -> str:
    """Only tokens for this audience and this exact subject (repository and event, environment or branch)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": provider_arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            f"{GITHUB_OIDC_HOST}:aud": GITHUB_AUDIENCE,
                            f"{GITHUB_OIDC_HOST}:sub": subject,
                        }
                    },
                }
            ],
        }
    )


class GithubAws(pulumi.ComponentResource):
    """The OIDC provider and the preview, deploy and image-push roles of one account."""

    role_arns: pulumi.Output[dict[str, str]]
    signing_key_arn: pulumi.Output[str]

    def __init__(self, name: str, args: GithubAwsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:bootstrap:GithubAws", name, None, opts)
        self._child = pulumi.ResourceOptions(parent=self)
        self._tags = args.tagging.for_component("ci")
        provider = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc",
            url=f"https://{GITHUB_OIDC_HOST}",
            client_id_lists=[GITHUB_AUDIENCE],
            tags=self._tags,
            opts=self._child,
        )
        signing_key = aws.kms.Key(
            f"{name}-signing-key",
            description="cosign signatures of the worker image (asymmetric keys cannot rotate automatically)",
            customer_master_key_spec="ECC_NIST_P256",
            key_usage="SIGN_VERIFY",
            deletion_window_in_days=30,
            tags=self._tags,
            opts=pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True),
        )
        aws.kms.Alias(
            f"{name}-signing-key-alias",
            name=IMAGE_SIGNING_KEY_ALIAS,
            target_key_id=signing_key.key_id,
            opts=self._child,
        )
        subjects = github_subjects(args.repository, args.environment)
        bucket = f"arn:aws:s3:::{state_bucket(args.account_id)}"
        state_reads: list[dict[str, Any]] = [
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket},
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": f"{bucket}/*"},
            {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": args.state_key_arn},
        ]
        roles = {
            PREVIEW_ROLE: (
                READ_ONLY,
                # Reads only: a DIY backend's preview takes no lock and writes nothing (pulumi/pulumi
                # pkg/backend/diy/backend.go: Preview, unlike Update, never calls Lock).
                _document(*state_reads, {"Effect": "Deny", "Action": DATA_READS, "NotResource": [f"{bucket}/*"]}),
            ),
            DEPLOY_ROLE: (
                POWER_USER,
                _document(
                    {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},  # the platform creates its own roles
                    {  # but never the bootstrap's: CI identities, the state bucket's settings, the keys
                        "Effect": "Deny",
                        "Action": "iam:*",
                        "Resource": [f"arn:aws:iam::{args.account_id}:role/{role}" for role in subjects]
                        + [provider.arn],
                    },
                    {
                        "Effect": "Deny",
                        "Action": [
                            "s3:DeleteBucket",
                            "s3:PutBucket*",
                            "s3:PutEncryptionConfiguration",
                            "s3:PutLifecycleConfiguration",
                        ],
                        "Resource": bucket,
                    },
                    {
                        "Effect": "Deny",
                        "Action": ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"],
                        "Resource": [args.state_key_arn, signing_key.arn],
                    },
                ),
            ),
            IMAGE_PUSH_ROLE: (
                None,
                _document(
                    {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                    {
                        "Effect": "Allow",
                        "Action": ECR_PUSH,
                        "Resource": f"arn:aws:ecr:*:{args.account_id}:repository/{WORKER_REPOSITORY}",
                    },
                    {"Effect": "Allow", "Action": ["kms:Sign", "kms:GetPublicKey"], "Resource": signing_key.arn},
                ),
            ),
        }
        arns = {
            role.name: self._role(name, role, provider.arn, subjects[role.name], managed, policy)
            for role, (managed, policy) in roles.items()
        }
        self.role_arns = pulumi.Output.all(**arns)
        self.signing_key_arn = signing_key.arn
        self.register_outputs({"role_arns": self.role_arns, "signing_key_arn": self.signing_key_arn})

    def _role(
        self,
        name: str,
        role: CiRole,
        provider_arn: pulumi.Output[str],
        subject: str,
        managed: str | None,
        policy: pulumi.Output[str],
    ) -> pulumi.Output[str]:
        resource = aws.iam.Role(
            f"{name}-{role.name}",
            name=role.name,
            description=role.purpose,
            assume_role_policy=provider_arn.apply(lambda arn: _trust(arn, subject)),
            max_session_duration=3600,
            tags=self._tags,
            opts=self._child,
        )
        if managed:
            aws.iam.RolePolicyAttachment(
                f"{name}-{role.name}-managed", role=resource.name, policy_arn=managed, opts=self._child
            )
        aws.iam.RolePolicy(f"{name}-{role.name}-policy", role=resource.id, policy=policy, opts=self._child)
        return resource.arn
