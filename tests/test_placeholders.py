"""No placeholders applied (issue 11, item 7): the config marks them, the preview warns, a deploy is refused."""

from __future__ import annotations

import pytest

from foundation.placeholders import find_placeholders, placeholder_reason
from foundation.policy_settings import settings_for
from infra.cli import main as cli_main
from infra.offline.policy_check import Violation, check_plan
from infra.policy_config import pack_config
from tests.conftest import REPO, build_plan, deployable_raw

TUESDAY = "2026-12-01T10:00:00+00:00"  # outside the Saturday freeze


@pytest.mark.parametrize(
    ("text", "placeholder"),
    [
        ("111111111111", True),
        ("arn:aws:iam::123456789012:role/ci", True),
        ("222222222222.dkr.ecr.us-east-1.amazonaws.com/wedsync/gpu-worker:0.1.0", True),
        ("734019562203", False),
        ("wedsync.example", True),
        ("platform@wedsync.example", True),
        ("https://runbooks.example.com/x", True),
        ("registry.example/wedsync/api:1.0", True),
        ("api.staging.test", True),
        ("ops@wedsync.com", False),
        ("kubernetes.io/metadata.name", False),
        ("203.0.113.0/28", True),
        ("198.51.100.7", True),
        ("10.0.0.0/16", False),
        ("sha256:1111111111111111111111111111111111111111111111111111111111111111", False),
    ],
)
def test_what_counts_as_a_placeholder(text: str, placeholder: bool) -> None:
    assert (placeholder_reason(text) is not None) is placeholder


def test_the_config_marks_every_placeholder_of_the_shipped_stacks(prod) -> None:
    platform, _ = prod
    paths = {p.path for p in platform.placeholders()}
    assert {
        "aws.account_id",
        "aws.cluster_creator_arn",
        "aws.api_access_cidrs[0]",
        "dns.domain",
        "worker.image",
        "kubernetes.acme_email",
        "kubernetes.runbooks_url",
        "kubernetes.model_services[0].image",
    } <= paths


def test_the_offline_preview_prints_one_warning_per_placeholder(prod, capsys) -> None:
    platform, _ = prod
    assert cli_main(["--project-dir", str(REPO), "preview", "--stack", "prod", "--at", TUESDAY]) == 0
    warnings = [line for line in capsys.readouterr().out.splitlines() if line.startswith("warning: placeholder ")]
    assert len(warnings) == len(platform.placeholders()) >= 10
    assert (
        "warning: placeholder aws.account_id = '222222222222': 222222222222 is an example AWS account id" in warnings[0]
    )


def _findings(pack, platform, plan, deploy: bool) -> list[Violation]:
    """What the pack reports through the analyzer protocol, judged as a deploy or a preview."""
    config = pack_config({**settings_for(platform, deploy=deploy), "now": TUESDAY})
    return check_plan(pack, plan.resources, config, project="wedsync-platform", stack=plan.stack).violations


def _refusals(pack, platform, plan, deploy: bool) -> list[Violation]:
    return [v for v in _findings(pack, platform, plan, deploy) if v.policy == "no-placeholders"]


def test_a_deploy_that_would_apply_placeholders_is_refused_and_a_preview_is_not(policy_pack, prod) -> None:
    platform, plan = prod
    refusals = _refusals(policy_pack, platform, plan, deploy=True)
    assert refusals and all(v.mandatory for v in refusals)
    messages = " ".join(v.message for v in refusals)
    for value in ("222222222222 is an example AWS account id", "wedsync.example is a reserved example domain"):
        assert value in messages
    assert _refusals(policy_pack, platform, plan, deploy=False) == []


def test_a_deploy_with_real_values_applies_no_placeholder_anywhere(policy_pack, prod_deployable) -> None:
    platform, plan = prod_deployable
    assert platform.placeholders() == []
    assert _refusals(policy_pack, platform, plan, deploy=True) == []
    assert [r.urn for r in plan.resources if find_placeholders(r.inputs)] == []  # nothing hard-coded either


def test_one_placeholder_account_alone_is_enough_to_refuse_a_deploy(policy_pack) -> None:
    raw = deployable_raw("staging")
    raw["aws"]["account_id"] = "123456789012"
    for key in ("cluster_creator_arn",):
        raw["aws"][key] = raw["aws"][key].replace("734019562204", "123456789012")
    raw["aws"]["deployer_roles"][0]["role_arn"] = raw["aws"]["deployer_roles"][0]["role_arn"].replace(
        "734019562204", "123456789012"
    )
    platform, plan = build_plan(raw, "staging")
    assert [p.path for p in platform.placeholders()][:1] == ["aws.account_id"]
    refused = {v.urn for v in _refusals(policy_pack, platform, plan, deploy=True)}
    assert any("providers:aws" in (urn or "") for urn in refused)  # the providers' allowed account ids
