"""`python -m infra deploy-env --stack X`: where a stack's state, secrets and CI identities are, as
`KEY=VALUE` lines for `$GITHUB_ENV` (or one value with `--get KEY`). Derived from the stack file's
account and project with the names bootstrap/ creates (foundation/deployment.py): one definition."""

from __future__ import annotations

from foundation.config import PlatformConfig
from foundation.deployment import (
    DEPLOY_ROLE,
    IMAGE_PUSH_ROLE,
    IMAGE_SIGNING_KEY_ALIAS,
    PREVIEW_ROLE,
    STATE_REGION,
    backend_url,
    gcp_service_account,
    secrets_provider,
)
from foundation.images import untagged


def deploy_env(platform: PlatformConfig) -> dict[str, str]:
    """The environment CI needs for one stack (the config guarantees an AWS account)."""
    assert platform.aws is not None  # PlatformConfig requires it: DNS and state live in AWS
    account = platform.aws.account_id
    images = [platform.worker.image, *(r.worker_image for r in platform.regions if r.worker_image)]
    workers = dict.fromkeys(untagged(image) for image in images)
    env = {
        "PULUMI_BACKEND_URL": backend_url(account),
        "PULUMI_SECRETS_PROVIDER": secrets_provider(account),
        "AWS_ACCOUNT_ID": account,
        "AWS_REGION": STATE_REGION,
        "AWS_PREVIEW_ROLE_ARN": PREVIEW_ROLE.arn(account),
        "AWS_DEPLOY_ROLE_ARN": DEPLOY_ROLE.arn(account),
        "AWS_IMAGE_PUSH_ROLE_ARN": IMAGE_PUSH_ROLE.arn(account),
        "IMAGE_SIGNING_KEY": f"awskms:///arn:aws:kms:{STATE_REGION}:{account}:{IMAGE_SIGNING_KEY_ALIAS}",
        "WORKER_REPOSITORIES": " ".join(workers),
    }
    if platform.gcp is not None:
        project = platform.gcp.project
        env |= {
            "GCP_PROJECT": project,
            "GCP_PREVIEW_SERVICE_ACCOUNT": gcp_service_account(project, PREVIEW_ROLE),
            "GCP_DEPLOY_SERVICE_ACCOUNT": gcp_service_account(project, DEPLOY_ROLE),
            "GCP_IMAGE_PUSH_SERVICE_ACCOUNT": gcp_service_account(project, IMAGE_PUSH_ROLE),
        }
    return env
