"""The policy pack driven as the Pulumi CLI drives it: started in its folder, spoken to over gRPC."""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import pytest
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy.proxy import unknown_checking_proxy

from foundation.policy_settings import settings_for
from infra.offline.analyzer import PackStartError, PolicyPackProcess
from infra.offline.engine import EngineView, PackConfigError, reconcile_config
from infra.offline.monitor import Registration
from infra.offline.policy_check import PolicyReport, check_plan
from infra.policy_config import pack_config
from policies import ALL_POLICIES
from policies.kubernetes import pod_spec
from policies.resources import get
from tests.conftest import REPO

DIGEST = "sha256:" + "ab" * 32


def _check(pack: PolicyPackProcess, platform, registrations: list[Registration], *, deploy: bool) -> PolicyReport:
    config = pack_config(settings_for(platform, deploy=deploy))
    return check_plan(pack, registrations, config, project="wedsync-platform", stack="prod", dry_run=not deploy)


def _mandatory(report: PolicyReport) -> list[tuple[str, str]]:
    return [(v.policy, v.message) for v in report.violations if v.mandatory]


def test_the_pack_describes_every_policy_over_the_protocol(policy_pack) -> None:
    info = policy_pack.info()
    assert info.name == "wedsync-platform" and info.supportsConfig
    assert sorted(p.name for p in info.policies) == sorted(p.name for p in ALL_POLICIES)


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_the_shipped_stacks_have_no_mandatory_violation_in_a_preview(policy_pack, request, stack: str) -> None:
    platform, plan = request.getfixturevalue(stack)
    report = _check(policy_pack, platform, plan.resources, deploy=False)
    assert _mandatory(report) == []
    assert {v.policy for v in report.violations} <= {"k8s-image-digest"}  # tag-pinned images: advisories only


def test_a_gpu_pool_is_priced_through_the_read_only_proxies(policy_pack, variant) -> None:
    """The pack wraps props in Mapping/Sequence proxies: the budget must still read each pool's instance type."""
    platform, plan = variant("prod", lambda raw: raw.update(season="peak", budget={"gpu_hourly_usd": 50}))
    messages = [
        m for p, m in _mandatory(_check(policy_pack, platform, plan.resources, deploy=False)) if p == "gpu-budget"
    ]
    assert len(messages) == 1 and "exceeds the budget of 50.00 $/h" in messages[0]
    assert "no price recorded" not in messages[0]


def test_a_public_bucket_is_caught(policy_pack, prod) -> None:
    platform, plan = prod
    registrations = copy.deepcopy(plan.resources)
    block = next(r for r in registrations if r.type == "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    for properties in (block.inputs, block.outputs):
        properties.update(blockPublicPolicy=False, restrictPublicBuckets=False)
    found = _mandatory(_check(policy_pack, platform, registrations, deploy=False))
    assert [p for p, _ in found] == ["s3-public-access-blocked"]
    assert "blockPublicPolicy, restrictPublicBuckets off" in found[0][1]


def test_an_untainted_gpu_node_group_is_caught(policy_pack, prod) -> None:
    platform, plan = prod
    registrations = copy.deepcopy(plan.resources)
    group = next(r for r in registrations if r.type == "aws:eks/nodeGroup:NodeGroup" and "gpu" in r.name)
    group.inputs["taints"] = []
    found = _mandatory(_check(policy_pack, platform, registrations, deploy=False))
    assert found == [("gpu-nodes-tainted", found[0][1])] and "without the taint nvidia.com/gpu" in found[0][1]


def test_a_deploy_rejects_images_pinned_only_by_tag_and_a_preview_warns(policy_pack, staging) -> None:
    platform, plan = staging
    preview = _check(policy_pack, platform, plan.resources, deploy=False)
    deploy = _check(policy_pack, platform, plan.resources, deploy=True)
    tagged = [v for v in preview.violations if v.policy == "k8s-image-digest"]
    assert tagged and all(v.level == "advisory" for v in tagged)
    gated = {(v.urn, v.message) for v in deploy.violations if v.mandatory and v.policy == "k8s-image-digest"}
    assert {(v.urn, v.message) for v in tagged} == gated

    registrations = copy.deepcopy(plan.resources)
    for registration in registrations:
        spec = pod_spec(registration.type, registration.inputs) or {}
        for container in spec.get("containers") or []:
            container["image"] = container["image"].partition("@")[0] + "@" + DIGEST
    still = _check(policy_pack, platform, registrations, deploy=True).violations
    assert [v for v in still if v.policy == "k8s-image-digest"] == []  # placeholders: tests/test_placeholders.py


def test_config_is_reconciled_and_validated_like_the_engine(policy_pack, prod) -> None:
    platform, _ = prod
    info = policy_pack.info()
    config = reconcile_config(info, pack_config(settings_for(platform)))
    assert set(config) == {p.name for p in info.policies}  # every policy, with its own level
    assert config["gpu-budget"] == (analyzer_pb2.MANDATORY, config["gpu-budget"][1])
    assert config["gpu-budget"][1]["gpu_hourly_budget_usd"] == 500
    assert config["change-freeze-advisory"][0] == analyzer_pb2.ADVISORY
    assert config["k8s-image-digest"][0] == analyzer_pb2.ADVISORY  # lowered outside a deploy
    with pytest.raises(PackConfigError, match="gpu-budget: 'lots' is not of type 'number'"):
        reconcile_config(info, {"gpu-budget": {"gpu_hourly_budget_usd": "lots"}})
    with pytest.raises(PackConfigError, match="not a valid enforcement level"):
        reconcile_config(info, {"gpu-budget": "strict"})


def test_analyze_stack_gets_every_resource_with_its_parent_and_provider(staging) -> None:
    _, plan = staging
    sent = EngineView(plan.resources).stack_resources()
    assert [r.urn for r in sent] == [r.urn for r in plan.resources]
    kinds = {r.type for r in sent}
    assert "pulumi:pulumi:Stack" in kinds and "wedsync:aws:Region" in kinds  # components and the Stack included
    by_urn = {r.urn: r for r in sent}
    for resource, registration in zip(sent, plan.resources, strict=True):
        assert resource.parent == (registration.parent or "")
        if registration.provider:  # `URN::ID` resolved to the provider's own inputs
            assert resource.provider.urn == registration.provider.rsplit("::", 1)[0]
            assert by_urn[resource.provider.urn].type.startswith("pulumi:providers:")
    groups = [r for r in sent if r.type == "aws:eks/nodeGroup:NodeGroup"]
    assert groups and all(g.provider.properties["region"] == "us-east-1" for g in groups)
    assert any(r.propertyDependencies for r in sent)


def test_policy_reads_work_on_the_analyzers_proxies() -> None:
    props = unknown_checking_proxy({"instanceTypes": ["g6.2xlarge"], "scalingConfig": {"maxSize": 3}})
    assert get(props, "instanceTypes", 0) == "g6.2xlarge"
    assert get(props, "scalingConfig", "maxSize") == 3


def test_no_policy_tests_for_dict_or_list() -> None:
    """The analyzer's props are Mapping/Sequence proxies: `isinstance(x, dict|list)` silently reads nothing."""
    for module in (REPO / "policies").glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "isinstance":
                names = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
                assert not names & {"dict", "list"}, f"{module.name}:{node.lineno}"


def test_a_pack_that_cannot_start_says_why(tmp_path: Path) -> None:
    (tmp_path / "__main__.py").write_text("raise SystemExit('broken pack: missing dependency')\n")
    with pytest.raises(PackStartError, match="broken pack: missing dependency"):
        PolicyPackProcess(tmp_path)
