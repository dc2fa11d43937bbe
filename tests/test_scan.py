"""`python -m infra scan`: the plan as Terraform plan JSON, the manifests, checkov, and the baseline."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from foundation.config import PlatformConfig
from foundation.naming import WORKER
from infra.cli import main
from infra.offline.manifests import write_manifests
from infra.offline.monitor import Registration
from infra.offline.plan import Plan
from infra.scan.baseline import TODO_REASON, Entry, apply_baseline, read_baseline, refreshed
from infra.scan.checkov import CheckovMissing, Finding, checkov_executable
from infra.scan.run import Scan, default_baseline, rollouts_as_deployments, scan_plan
from infra.scan.terraform_names import terraform_type, terraform_values
from infra.scan.tfplan import to_terraform_plan
from tests.conftest import REPO

BASELINE = default_baseline(REPO, "prod")


@pytest.fixture(scope="session")
def checkov() -> str:
    try:
        return checkov_executable(REPO)
    except CheckovMissing as exc:  # .ci/run installs it; `python -m infra scan` in CI fails hard without it
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def prod_scan(prod: tuple[PlatformConfig, Plan], checkov: str) -> Scan:
    platform, plan = prod
    return scan_plan(plan, platform, checkov, BASELINE)


def _first(plan: Plan, resource_type: str) -> Registration:
    return plan.of_type(resource_type)[0]


def test_type_tokens_follow_the_bridge_naming() -> None:
    assert terraform_type("aws:s3/bucketVersioning:BucketVersioning") == "aws_s3_bucket_versioning"
    assert terraform_type("aws:kms/key:Key") == "aws_kms_key"
    assert terraform_type("aws:ec2/vpc:Vpc") == "aws_vpc"  # the ec2 module drops its prefix
    assert terraform_type("gcp:container/nodePool:NodePool") == "google_container_node_pool"
    assert terraform_type("gcp:storage/bucketIAMMember:BucketIAMMember") == "google_storage_bucket_iam_member"
    assert terraform_type("gcp:projects/iAMMember:IAMMember") == "google_project_iam_member"
    assert terraform_type("kubernetes:apps/v1:Deployment") is None


def test_values_take_terraform_shapes(prod: tuple[PlatformConfig, Plan]) -> None:
    _, plan = prod
    key = _first(plan, "aws:kms/key:Key")
    key_values = terraform_values(key.type, key.inputs)
    assert key_values["enable_key_rotation"] is True
    assert key_values["tags"] == key.inputs["tags"]  # a map attribute keeps its keys (managed-by, ...)
    versioning = _first(plan, "aws:s3/bucketVersioning:BucketVersioning")
    assert terraform_values(versioning.type, versioning.inputs)["versioning_configuration"] == [{"status": "Enabled"}]
    lifecycle = _first(plan, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    rules = terraform_values(lifecycle.type, lifecycle.inputs)["rule"]  # pluralised `rules` in Pulumi
    assert rules[0]["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 7}]


def test_side_resources_reference_their_bucket(prod: tuple[PlatformConfig, Plan]) -> None:
    """checkov joins a bucket's versioning/public access block to it through configuration references."""
    _, plan = prod
    terraform = to_terraform_plan(plan)
    configured = {r["address"]: r for r in terraform.document["configuration"]["root_module"]["resources"]}
    addresses = {urn: address for address, urn in terraform.urns.items()}
    block = _first(plan, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    (bucket_urn,) = block.property_dependencies["bucket"]
    assert addresses[bucket_urn] in configured[addresses[block.urn]]["expressions"]["bucket"]["references"]


def test_baseline_refresh_keeps_reasons_and_todo_is_not_accepted() -> None:
    old = Finding("kubernetes", "CKV_K8S_38", "token", "eu-west-1/Deployment.a.b")
    new = Finding("terraform_plan", "CKV_AWS_18", "logs", "aws_s3_bucket.photos")
    gone = Entry("CKV_AWS_7", "aws_kms_key.k", "was fine")
    entries = refreshed([old, new], [Entry(*old.key, "accepted because"), gone])
    assert entries == [Entry(*old.key, "accepted because"), Entry(*new.key, TODO_REASON)]
    verdict = apply_baseline([old, new], [*entries, gone])
    assert (verdict.new, verdict.unexplained, verdict.stale) == ([], [new], [gone])


def test_every_baseline_entry_has_a_reason() -> None:
    entries = read_baseline(BASELINE)
    assert entries and all(entry.accepted and "\n" not in entry.reason for entry in entries)


@pytest.mark.slow
def test_values_land_where_checkov_reads_them(prod_scan: Scan, prod: tuple[PlatformConfig, Plan]) -> None:
    """Checks that read nested values pass on the plan: KMS rotation, bucket versioning and encryption,
    lifecycle abort of multipart uploads, the GKE node pools' metadata server, ECR's KMS encryption."""
    terraform = to_terraform_plan(prod[1])
    addresses_of = {
        kind: [a for a in terraform.urns if a.startswith(f"{kind}.")]
        for kind in ("aws_kms_key", "aws_s3_bucket", "aws_s3_bucket_lifecycle_configuration")
    }
    assert all(addresses_of.values())
    for address in addresses_of["aws_kms_key"]:
        assert ("CKV_AWS_7", address) in prod_scan.result.passed_checks
    for address in addresses_of["aws_s3_bucket"]:
        assert ("CKV_AWS_21", address) in prod_scan.result.passed_checks  # versioning, a side resource
        assert ("CKV2_AWS_6", address) in prod_scan.result.passed_checks  # public access block, joined
    for address in addresses_of["aws_s3_bucket_lifecycle_configuration"]:
        assert ("CKV_AWS_300", address) in prod_scan.result.passed_checks
    assert ("CKV_AWS_136", "aws_ecr_repository.worker-images-repository") in prod_scan.result.passed_checks


@pytest.mark.slow
def test_prod_passes_against_the_baseline(prod_scan: Scan) -> None:
    assert prod_scan.ok, (prod_scan.verdict.new, prod_scan.verdict.unexplained)
    assert prod_scan.result.passed["terraform_plan"] > 900 and prod_scan.result.passed["kubernetes"] > 3000


def test_rollouts_reach_checkov_as_the_deployments_they_stand_for(
    prod: tuple[PlatformConfig, Plan], tmp_path: Path
) -> None:
    """checkov's pod checks know only built-in kinds: each Rollout's pods are judged as a Deployment's."""
    platform, plan = prod
    write_manifests(plan, platform, tmp_path)
    rollouts = {
        (p.relative_to(tmp_path).parts[0], d["metadata"]["name"]): d["spec"]["template"]
        for p in tmp_path.rglob("*.yaml")
        if isinstance(d := yaml.safe_load(p.read_text()), dict) and d.get("kind") == "Rollout"
    }
    assert rollouts, "the jobs API and the cache service are Rollouts"
    assert rollouts_as_deployments(tmp_path) == len(rollouts)
    deployments = {
        (p.relative_to(tmp_path).parts[0], d["metadata"]["name"]): d["spec"]["template"]
        for p in tmp_path.rglob("*.yaml")
        if isinstance(d := yaml.safe_load(p.read_text()), dict) and d.get("kind") == "Deployment"
    }
    assert all(deployments[key] == template for key, template in rollouts.items())


def _mutated(plan: Plan) -> Plan:
    """prod with one photo bucket opened to the public and a debug pod that mounts its API token."""
    resources = copy.deepcopy(plan.resources)
    block = next(r for r in resources if r.type.endswith("BucketPublicAccessBlock") and "photos" in r.name)
    block.inputs.update(blockPublicAcls=False, blockPublicPolicy=False, ignorePublicAcls=False)
    block.inputs["restrictPublicBuckets"] = False
    worker = next(
        r for r in resources if r.type == "kubernetes:apps/v1:Deployment" and r.inputs["metadata"]["name"] == WORKER
    )
    debug = copy.deepcopy(worker)
    debug.urn, debug.name = f"{worker.urn}-debug", f"{worker.name}-debug"
    debug.inputs["metadata"]["name"] = "debug-shell"
    debug.inputs["spec"]["template"]["spec"]["automountServiceAccountToken"] = True
    return Plan(plan.project, plan.stack, [*resources, debug], plan.outputs)


@pytest.mark.slow
def test_public_bucket_and_automounted_token_fail_the_scan(
    prod: tuple[PlatformConfig, Plan], checkov: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _mutated(prod[1]).write_json(tmp_path / "plan.json")
    code = main(["--project-dir", str(REPO), "scan", "--stack", "prod", "--plan", str(tmp_path / "plan.json")])
    out = capsys.readouterr().out
    new = out.split("New findings (not in the baseline):")[1]
    assert code == 1
    for check in ("CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"):
        assert f"{check} aws_s3_bucket_public_access_block." in new
    assert "CKV_K8S_38 " in new and "Deployment.photography-ai.debug-shell" in new


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs util-linux unshare")
def test_scan_runs_without_network(prod: tuple[PlatformConfig, Plan], checkov: str, tmp_path: Path) -> None:
    """The command in a network namespace with no interface but loopback: checkov must not need one."""
    if subprocess.run(["unshare", "-rn", "true"], check=False).returncode != 0:
        pytest.skip("user namespaces are not allowed here")
    prod[1].write_json(tmp_path / "plan.json")  # the session's prod plan: the program need not run again
    command = ["unshare", "-rn", sys.executable, "-m", "infra", "scan", "--stack", "prod"]
    command += ["--plan", str(tmp_path / "plan.json"), "--tfplan", str(tmp_path / "tfplan.json")]
    completed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "0 new, 0 without a reason" in completed.stdout
    document = json.loads((tmp_path / "tfplan.json").read_text())
    assert document["format_version"] and document["planned_values"]["root_module"]["resources"]
