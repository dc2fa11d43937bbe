"""The bootstrap program: one AWS account's state and CI identities, and its GCP project's federation."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp

from bootstrap.config import BootstrapConfig, load
from bootstrap.github_aws import GithubAws, GithubAwsArgs
from bootstrap.github_gcp import GithubGcp, GithubGcpArgs
from bootstrap.state import StateBackend, StateBackendArgs
from foundation.deployment import STATE_REGION, backend_url, secrets_provider
from foundation.tags import Tagging


def build(config: BootstrapConfig) -> None:
    """Everything one account needs before the platform's first preview."""
    # allowed_account_ids: run with another account's credentials, the provider refuses to touch anything.
    provider = aws.Provider("aws", region=STATE_REGION, allowed_account_ids=[config.account_id])
    on_aws = pulumi.ResourceOptions(provider=provider)
    tagging = Tagging(config.github_environment, STATE_REGION)
    state = StateBackend("state", StateBackendArgs(config.account_id, tagging), on_aws)
    github = GithubAws(
        "github",
        GithubAwsArgs(config.account_id, config.github_repository, config.github_environment, state.key_arn, tagging),
        on_aws,
    )
    pulumi.export("backend_url", backend_url(config.account_id))
    pulumi.export("secrets_provider", secrets_provider(config.account_id))
    pulumi.export("state_bucket", state.bucket_name)
    pulumi.export("aws_role_arns", github.role_arns)
    pulumi.export("image_signing_key_arn", github.signing_key_arn)
    if config.gcp_project:
        on_gcp = pulumi.ResourceOptions(provider=gcp.Provider("gcp", project=config.gcp_project))
        federation = GithubGcp(
            "github-gcp", GithubGcpArgs(config.gcp_project, config.github_repository, config.github_environment), on_gcp
        )
        pulumi.export("gcp_workload_identity_provider", federation.workload_identity_provider)
        pulumi.export("gcp_service_accounts", federation.service_accounts)


def main() -> None:
    """Entry point of `pulumi up` in bootstrap/ (see bootstrap/__main__.py)."""
    build(load())
