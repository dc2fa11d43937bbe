"""`python -m infra deploy-env --stack X`: where a stack's state, secrets and CI identities are, as
`KEY=VALUE` lines for `$GITHUB_ENV` (or one value with `--get KEY`). Derived from the stack file's
account and project with the names bootstrap/ creates (foundation/deployment.py): one definition."""

from __future__ import annotations

from foundation.config import PlatformConfig
from foundation.deployment import (
    DEPLOY_ROLE,
    IMAGE_PUSH_ROLE,
    PREVIEW_ROLE,
    STATE_REGION,
    backend_url,
    gcp_service_account,
    image_signing_key_arn,
    secrets_provider,
)
from foundation.supply_chain import attestor_name, own_repositories, signing_key_version


def deploy_env(platform: PlatformConfig) -> dict[str, str]:
    """The environment CI needs for one stack (the config guarantees an AWS account)."""
    assert platform.aws is not None  # PlatformConfig requires it: DNS and state live in AWS
    account = platform.aws.account_id
    env = {
        "PULUMI_BACKEND_URL": backend_url(account),
        "PULUMI_SECRETS_PROVIDER": secrets_provider(account),
        "AWS_ACCOUNT_ID": account,
        "AWS_REGION": STATE_REGION,
        "AWS_PREVIEW_ROLE_ARN": PREVIEW_ROLE.arn(account),
        "AWS_DEPLOY_ROLE_ARN": DEPLOY_ROLE.arn(account),
        "AWS_IMAGE_PUSH_ROLE_ARN": IMAGE_PUSH_ROLE.arn(account),
        "IMAGE_SIGNING_KEY": f"awskms:///{image_signing_key_arn(account)}",
        "WORKER_REPOSITORIES": " ".join(own_repositories(platform)),
    }
    if platform.gcp is not None:
        project = platform.gcp.project
        env |= {
            "GCP_PROJECT": project,
            "GCP_PREVIEW_SERVICE_ACCOUNT": gcp_service_account(project, PREVIEW_ROLE),
            "GCP_DEPLOY_SERVICE_ACCOUNT": gcp_service_account(project, DEPLOY_ROLE),
            "GCP_IMAGE_PUSH_SERVICE_ACCOUNT": gcp_service_account(project, IMAGE_PUSH_ROLE),
            # Binary Authorization: the attestor CI attests for, with the Cloud KMS key version it signs with
            "BINAUTHZ_ATTESTOR": attestor_name(project),
            "BINAUTHZ_KEY_VERSION": signing_key_version(project),
        }
    return env
