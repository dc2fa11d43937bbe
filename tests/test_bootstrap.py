"""The bootstrap program under mocks, and the stack files that name what it creates."""

from __future__ import annotations

import json
from urllib.parse import urlparse

import pytest
import yaml

from bootstrap.config import PROJECT as BOOTSTRAP
from bootstrap.program import main as bootstrap_main
from foundation.config import parse_platform_config
from foundation.deployment import (
    DEPLOY_ROLE,
    GITHUB_OIDC_HOST,
    IMAGE_PUSH_ROLE,
    PREVIEW_ROLE,
    SECRETS_KEY_ALIAS,
    backend_url,
    secrets_provider,
    state_bucket,
)
from foundation.policy_settings import settings_for
from infra.deploy_env import deploy_env
from infra.offline.plan import Plan, capture
from infra.offline.policy_check import check_plan
from infra.policy_config import pack_config
from tests.conftest import REPO, shipped_raw
from tests.plan_helpers import sibling

STACKS = ("staging", "prod")
BUCKET_POLICIES = {"s3-kms-encryption", "s3-versioning", "s3-public-access-blocked", "s3-tls-only", "s3-lifecycle"}


def _bootstrap_config(stack: str) -> dict:
    return yaml.safe_load((REPO / "bootstrap" / f"Pulumi.{stack}.yaml").read_text())["config"]


def _account(stack: str) -> str:
    return shipped_raw(stack)["aws"]["account_id"]


@pytest.fixture(scope="module")
def bootstraps() -> dict[str, Plan]:
    plans = {}
    for stack in STACKS:
        config = _bootstrap_config(stack)
        account = config[f"{BOOTSTRAP}:bootstrap"]["account_id"]
        plans[stack] = capture(bootstrap_main, stack, config, account, project=BOOTSTRAP)
    return plans


def _one(plan: Plan, resource_type: str):
    (found,) = plan.of_type(resource_type)
    return found


def _statements(document: str) -> list[dict]:
    return json.loads(document)["Statement"]


@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_keeps_state_and_secrets_in_its_own_account(stack: str) -> None:
    document = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())
    account = _account(stack)
    assert document["secretsprovider"] == secrets_provider(account)
    key_arn = urlparse(document["secretsprovider"]).path.removeprefix("/")
    assert key_arn.split(":")[4] == account and key_arn.endswith(SECRETS_KEY_ALIAS)
    assert urlparse(backend_url(account)).netloc == state_bucket(account)
    assert _bootstrap_config(stack)[f"{BOOTSTRAP}:bootstrap"]["account_id"] == account


def test_no_two_accounts_share_a_backend() -> None:
    urls = {backend_url(_account(stack)) for stack in STACKS}
    assert len(urls) == len(STACKS) == len({_account(stack) for stack in STACKS})


@pytest.mark.parametrize("stack", STACKS)
def test_the_bootstrap_creates_the_bucket_and_key_the_stack_names(bootstraps, stack: str) -> None:
    plan = bootstraps[stack]
    account = _account(stack)
    bucket = _one(plan, "aws:s3/bucket:Bucket")
    assert bucket.inputs["bucket"] == state_bucket(account) and bucket.protect and bucket.retain_on_delete
    alias = next(r for r in plan.of_type("aws:kms/alias:Alias") if r.inputs["name"] == SECRETS_KEY_ALIAS)
    key = next(r for r in plan.of_type("aws:kms/key:Key") if r.outputs.get("keyId") == alias.inputs["targetKeyId"])
    assert key.inputs["enableKeyRotation"] is True and key.protect
    encryption = sibling(
        plan, bucket, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    (rule,) = encryption.inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": key.outputs["arn"],
    }
    assert plan.outputs["backend_url"] == backend_url(account)
    assert plan.outputs["secrets_provider"] == secrets_provider(account)


def test_the_state_bucket_meets_the_packs_bucket_policies(bootstraps, policy_pack, staging) -> None:
    platform, _ = staging
    plan = bootstraps["staging"]
    report = check_plan(
        policy_pack, plan.resources, pack_config(settings_for(platform)), project=BOOTSTRAP, stack="staging"
    )
    assert not {v.policy for v in report.violations} & BUCKET_POLICIES


@pytest.mark.parametrize("stack", STACKS)
def test_one_github_provider_and_roles_that_trust_one_subject_each(bootstraps, stack: str) -> None:
    plan = bootstraps[stack]
    provider = _one(plan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert provider.inputs["url"] == f"https://{GITHUB_OIDC_HOST}"
    assert provider.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    environment = _bootstrap_config(stack)[f"{BOOTSTRAP}:bootstrap"]["github_environment"]
    expected = {
        PREVIEW_ROLE.name: "repo:wedsync/wedsync-platform:pull_request",
        DEPLOY_ROLE.name: f"repo:wedsync/wedsync-platform:environment:{environment}",
        IMAGE_PUSH_ROLE.name: "repo:wedsync/wedsync-platform:ref:refs/heads/main",
    }
    roles = {r.inputs["name"]: r for r in plan.of_type("aws:iam/role:Role")}
    assert set(roles) == set(expected)
    for name, role in roles.items():
        (trust,) = _statements(role.inputs["assumeRolePolicy"])
        assert trust["Principal"] == {"Federated": provider.outputs["arn"]}
        assert trust["Condition"] == {
            "StringEquals": {f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com", f"{GITHUB_OIDC_HOST}:sub": expected[name]}
        }
    assert plan.outputs["aws_role_arns"] == {name: role.outputs["arn"] for name, role in roles.items()}


def _actions(statement: dict) -> list[str]:
    return [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]


def _inline_policy(plan: Plan, role_name: str) -> list[dict]:
    (policy,) = [r for r in plan.of_type("aws:iam/rolePolicy:RolePolicy") if r.name.endswith(f"{role_name}-policy")]
    return _statements(policy.inputs["policy"])


def test_the_preview_role_reads_state_and_config_but_writes_nothing_and_reads_no_data(bootstraps) -> None:
    plan = bootstraps["prod"]
    statements = _inline_policy(plan, PREVIEW_ROLE.name)
    allowed = {action for s in statements if s["Effect"] == "Allow" for action in _actions(s)}
    assert allowed == {"s3:ListBucket", "s3:GetObject", "s3:GetObjectVersion", "kms:Decrypt"}
    (deny,) = [s for s in statements if s["Effect"] == "Deny"]
    assert {"s3:GetObject", "secretsmanager:GetSecretValue"} <= set(deny["Action"])
    assert deny["NotResource"] == [f"arn:aws:s3:::{state_bucket(_account('prod'))}/*"]
    attached = {
        r.inputs["policyArn"]
        for r in plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if PREVIEW_ROLE.name in r.name
    }
    assert attached == {"arn:aws:iam::aws:policy/ReadOnlyAccess"}


def test_the_deploy_role_cannot_undo_the_bootstrap(bootstraps) -> None:
    plan = bootstraps["prod"]
    denied = {
        action: resources
        for s in _inline_policy(plan, DEPLOY_ROLE.name)
        if s["Effect"] == "Deny"
        for action in _actions(s)
        for resources in [s["Resource"]]
    }
    account = _account("prod")
    assert f"arn:aws:iam::{account}:role/{PREVIEW_ROLE.name}" in denied["iam:*"]
    assert denied["s3:DeleteBucket"] == f"arn:aws:s3:::{state_bucket(account)}"
    assert "kms:ScheduleKeyDeletion" in denied


def test_github_is_federated_into_gcp_for_this_repository_only(bootstraps) -> None:
    plan = bootstraps["prod"]
    provider = _one(plan, "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider")
    assert provider.inputs["attributeCondition"] == "assertion.repository == 'wedsync/wedsync-platform'"
    assert provider.inputs["oidc"] == {"issuerUri": f"https://{GITHUB_OIDC_HOST}"}
    pool = _one(plan, "gcp:iam/workloadIdentityPool:WorkloadIdentityPool")
    apis = {r.urn for r in plan.of_type("gcp:projects/service:Service")}
    assert apis and set(pool.dependencies) >= apis  # the IAM and STS APIs are on before the pool is made
    assert all(r.inputs["disableOnDestroy"] is False for r in plan.of_type("gcp:projects/service:Service"))
    members = {
        r.name.removeprefix("github-gcp-").removesuffix("-federated"): r.inputs["member"]
        for r in plan.of_type("gcp:serviceaccount/iAMMember:IAMMember")
    }
    assert members[DEPLOY_ROLE.name].endswith("/subject/repo:wedsync/wedsync-platform:environment:production")
    assert members[PREVIEW_ROLE.name].endswith("/subject/repo:wedsync/wedsync-platform:pull_request")
    emails = {r.inputs["accountId"] for r in plan.of_type("gcp:serviceaccount/account:Account")}
    env = deploy_env(parse_platform_config(shipped_raw("prod")))
    used = {env[f"GCP_{job}_SERVICE_ACCOUNT"].split("@")[0] for job in ("PREVIEW", "DEPLOY", "IMAGE_PUSH")}
    assert used == emails  # the workflows impersonate exactly the accounts the bootstrap creates
    assert not bootstraps["staging"].of_type("gcp:iam/workloadIdentityPool:WorkloadIdentityPool")


def test_the_ci_environment_names_the_roles_the_bootstrap_creates(bootstraps) -> None:
    for stack in STACKS:
        env = deploy_env(parse_platform_config(shipped_raw(stack)))
        roles = {r.inputs["name"] for r in bootstraps[stack].of_type("aws:iam/role:Role")}
        for key in ("AWS_PREVIEW_ROLE_ARN", "AWS_DEPLOY_ROLE_ARN", "AWS_IMAGE_PUSH_ROLE_ARN"):
            account, name = env[key].split(":")[4], env[key].rsplit("/", 1)[1]
            assert account == _account(stack) and name in roles
        assert env["PULUMI_BACKEND_URL"] == bootstraps[stack].outputs["backend_url"]


def test_a_bad_account_id_is_refused_with_its_key() -> None:
    config = _bootstrap_config("staging")
    config[f"{BOOTSTRAP}:bootstrap"] = {**config[f"{BOOTSTRAP}:bootstrap"], "account_id": "12345"}
    with pytest.raises(Exception, match=r"bootstrap\.account_id"):
        capture(bootstrap_main, "staging", config, "111111111111", project=BOOTSTRAP)
