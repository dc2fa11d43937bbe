"""`python -m infra preview`: the README's main command, run as a user runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

PLAN_RESOURCE_KEYS = {
    "urn",
    "type",
    "name",
    "parent",
    "custom",
    "protect",
    "provider",
    "dependencies",
    "inputs",
}


def _run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "infra", *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_prod_preview_writes_a_plan_with_every_aws_region(tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    result = _run("preview", "--stack", "prod", "--json", str(plan_file))
    assert result.returncode == 0, result.stderr
    plan = json.loads(plan_file.read_text())

    assert (plan["project"], plan["stack"]) == ("wedsync-platform", "prod")
    assert all(set(r) >= PLAN_RESOURCE_KEYS for r in plan["resources"])
    # two GPU pools and the pdf-analysis queue pool in each AWS region
    for region, pools in {"us-east-1": 3, "us-west-2": 3, "eu-west-1": 3, "eu-central-1": 3}.items():
        in_region = [r for r in plan["resources"] if r["type"].startswith("aws:") and f"::{region}-" in r["urn"]]
        kinds = [r["type"] for r in in_region]
        assert kinds.count("aws:ec2/vpc:Vpc") == 1
        assert kinds.count("aws:eks/cluster:Cluster") == 1
        assert kinds.count("aws:eks/nodeGroup:NodeGroup") == 1 + pools
        assert plan["outputs"]["regions"][region]["cluster_name"] == f"wedsync-prod-{region}"
    assert plan["outputs"]["credentials"] == "[secret]"  # kubeconfigs and Redis tokens never in clear
    assert "Total:" in result.stdout
    assert "apac: asia-southeast1 (single region: NO failover" in result.stdout
    costs = result.stdout.split("Cost by workload at max capacity", 1)[1]  # the workload split reaches the CLI
    assert all(
        f"\n    {name} " in costs for name in ("photo worker", "model services", "pdf-analysis", "AI cache tier")
    )


def test_inputs_use_the_engines_camel_case_wire_names(tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    assert _run("preview", "--stack", "staging", "--json", str(plan_file)).returncode == 0
    resources = json.loads(plan_file.read_text())["resources"]
    (group,) = [r for r in resources if r["name"] == "us-east-1-gpu-l4-spot-nodes"]
    assert group["inputs"]["scalingConfig"] == {"minSize": 0, "desiredSize": 0, "maxSize": 1}
    assert group["inputs"]["amiType"] == "AL2023_x86_64_NVIDIA"


def test_any_stack_file_is_a_stack(tmp_path: Path) -> None:
    shutil.copy(REPO / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copy(REPO / "Pulumi.staging.yaml", tmp_path / "Pulumi.foo.yaml")
    result = _run("preview", "--stack", "foo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "stack foo" in result.stdout


def test_a_saved_plan_is_judged_as_a_deploy_only_when_asked(tmp_path: Path) -> None:
    """Through the pack's protocol: tag-pinned images warn in a preview and block a deploy (exit 1)."""
    plan_file = tmp_path / "plan.json"
    assert _run("preview", "--stack", "staging", "--json", str(plan_file)).returncode == 0
    preview = _run("check", str(plan_file))
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert "[advisory] k8s-image-digest" in preview.stdout
    deploy = _run("check", str(plan_file), "--deploy")
    assert deploy.returncode == 1
    assert "[mandatory] k8s-image-digest" in deploy.stdout
    assert "is not pinned by digest" in deploy.stdout
