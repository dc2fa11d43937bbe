"""Where each stack's state and secrets live and who may deploy it: names bootstrap/ creates and the
workflows, the stack files and `python -m infra deploy-env` use.

One state bucket and one KMS key per AWS account, not one shared state account: S3 bucket names are
global, so each account's bucket carries its account id and each stack logs in to its own account's
URL; a staging role can then never read prod's state (which holds its secrets' ciphertext and every
resource's details), and no cross-account bucket policy or KMS grant is needed. The same key encrypts
the state objects (SSE-KMS) and the stack secrets (the `awskms` provider): whoever reads one needs both.
"""

from __future__ import annotations

from dataclasses import dataclass

STATE_REGION = "us-east-1"
SECRETS_KEY_ALIAS = "alias/wedsync-pulumi"
IMAGE_SIGNING_KEY_ALIAS = "alias/wedsync-image-signing"
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_AUDIENCE = "sts.amazonaws.com"
WORKER_REPOSITORY = "wedsync/gpu-worker"
GCP_POOL_ID = "github"
GCP_PROVIDER_ID = "github-actions"


@dataclass(frozen=True)
class CiRole:
    """A role GitHub Actions assumes with OIDC: its name and the token subjects it trusts."""

    name: str
    purpose: str

    def arn(self, account_id: str) -> str:
        return f"arn:aws:iam::{account_id}:role/{self.name}"


PREVIEW_ROLE = CiRole("wedsync-pulumi-preview", "pull requests: read-only preview with the policy pack")
DEPLOY_ROLE = CiRole("wedsync-pulumi-deploy", "the deploy environment: pulumi up")
IMAGE_PUSH_ROLE = CiRole("wedsync-image-push", "main: push and sign the worker image")


def github_subjects(repository: str, environment: str) -> dict[str, str]:
    """The OIDC `sub` each role trusts (GitHub: `repo:<owner>/<repo>:pull_request`, `...:environment:<name>`,
    `...:ref:refs/heads/main`), so a fork, another branch or another environment gets nothing."""
    return {
        PREVIEW_ROLE.name: f"repo:{repository}:pull_request",
        DEPLOY_ROLE.name: f"repo:{repository}:environment:{environment}",
        IMAGE_PUSH_ROLE.name: f"repo:{repository}:ref:refs/heads/main",
    }


def state_bucket(account_id: str) -> str:
    return f"wedsync-pulumi-state-{account_id}"


def backend_url(account_id: str) -> str:
    """The DIY backend URL of every stack deployed to `account_id` (`pulumi login <url>`)."""
    return f"s3://{state_bucket(account_id)}?region={STATE_REGION}&awssdk=v2"


def secrets_key_arn(account_id: str) -> str:
    return f"arn:aws:kms:{STATE_REGION}:{account_id}:{SECRETS_KEY_ALIAS}"


def secrets_provider(account_id: str) -> str:
    """The stack file's `secretsprovider`: the account's key by alias ARN. gocloud.dev's awskms opener takes
    the key id from host + path and documents `awskms:///<ARN>` for ARNs (secrets/awskms/kms.go URLOpener)."""
    return f"awskms:///{secrets_key_arn(account_id)}?region={STATE_REGION}&awssdk=v2"


def image_signing_key_arn(account_id: str) -> str:
    """The account's cosign key (by alias) that the image workflow signs with and EKS admission verifies."""
    return f"arn:aws:kms:{STATE_REGION}:{account_id}:{IMAGE_SIGNING_KEY_ALIAS}"


def gcp_service_account(project: str, role: CiRole) -> str:
    """The service account a CI role impersonates on GCP (same name as the AWS role)."""
    return f"{role.name}@{project}.iam.gserviceaccount.com"
