"""CI that runs where it claims: pinned actions, the right identity per job, the tools each job calls, audits."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"
SHA_PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def _workflow(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def _steps(workflow: str, job: str) -> list[dict[str, Any]]:
    return _workflow(workflow)["jobs"][job]["steps"]


def _step_using(steps: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    return [s for s in steps if s.get("uses", "").startswith(f"{action}@")]


def audit_tool(name: str) -> str:
    """An audit tool from the dev extra (beside this interpreter); CI must have it, a laptop may skip."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed: it comes with the dev extra (pip install -e '.[dev]')")
        pytest.skip(f"{name} not installed")
    return found


def test_every_action_is_pinned_to_a_commit_with_its_tag_beside_it() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        for line in path.read_text().splitlines():
            match = re.search(r"uses:\s*(\S+)(.*)$", line)
            if not match or match.group(1).startswith("./"):
                continue
            assert SHA_PINNED.match(match.group(1)), f"{path.name}: {line.strip()}"
            assert re.search(r"#\s*v\d", match.group(2)), f"{path.name}: no version comment: {line.strip()}"


def test_checkouts_never_persist_credentials() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        for name, job in yaml.safe_load(path.read_text())["jobs"].items():
            for step in _step_using(job.get("steps", []), "actions/checkout"):
                assert step.get("with", {}).get("persist-credentials") is False, f"{path.name}:{name}"


def test_the_workflows_pass_zizmors_offline_audits() -> None:
    result = subprocess.run(
        [audit_tool("zizmor"), "--offline", "--min-severity", "medium", str(WORKFLOWS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("workflow", "job", "role", "service_account"),
    [
        ("pull-request.yml", "pulumi-preview", "AWS_PREVIEW_ROLE_ARN", "GCP_PREVIEW_SERVICE_ACCOUNT"),
        ("deploy.yml", "up", "AWS_DEPLOY_ROLE_ARN", "GCP_DEPLOY_SERVICE_ACCOUNT"),
    ],
)
def test_each_stack_runs_with_its_own_accounts_role(workflow: str, job: str, role: str, service_account: str) -> None:
    steps = _steps(workflow, job)
    assert _workflow(workflow)["jobs"][job]["env"]["STACK"] == "${{ matrix.stack }}"
    env_step = next(
        i for i, s in enumerate(steps) if 'infra deploy-env --stack "$STACK" >> "$GITHUB_ENV"' in s.get("run", "")
    )
    (aws,) = _step_using(steps, "aws-actions/configure-aws-credentials")
    assert aws["with"]["role-to-assume"] == f"${{{{ env.{role} }}}}"
    assert steps.index(aws) > env_step
    (gcp,) = _step_using(steps, "google-github-actions/auth")
    assert gcp["with"]["service_account"] == f"${{{{ env.{service_account} }}}}"


def test_deploy_jobs_run_in_the_environments_the_bootstrap_trusts() -> None:
    matrix = _workflow("deploy.yml")["jobs"]["up"]["strategy"]["matrix"]["include"]
    assert _workflow("deploy.yml")["jobs"]["up"]["environment"] == "${{ matrix.environment }}"
    for entry in matrix:
        bootstrap = yaml.safe_load((REPO / "bootstrap" / f"Pulumi.{entry['stack']}.yaml").read_text())
        assert bootstrap["config"]["wedsync-bootstrap:bootstrap"]["github_environment"] == entry["environment"]


@pytest.mark.parametrize(("workflow", "job"), [("pull-request.yml", "pulumi-preview"), ("deploy.yml", "up")])
def test_jobs_that_run_pulumi_install_what_they_call(workflow: str, job: str) -> None:
    steps = _steps(workflow, job)
    scripts = "\n".join(s.get("run", "") for s in steps)
    assert "pip install -e '.[deploy]'" in scripts  # the AWS CLI the EKS kubeconfigs exec
    assert '"$PWD/.venv/bin" >> "$GITHUB_PATH"' in scripts
    (gcloud,) = _step_using(steps, "google-github-actions/setup-gcloud")
    assert re.fullmatch(r"\d+\.\d+\.\d+", gcloud["with"]["version"])
    assert "gke-gcloud-auth-plugin" in gcloud["with"]["install_components"]
    clis = _step_using(steps, "pulumi/actions")
    assert {s["with"]["pulumi-version"] for s in clis} == {"3.272.0"}
    install = next(i for i, s in enumerate(steps) if "(cd policies && pulumi install)" in s.get("run", ""))
    (run,) = [s for s in clis if s["with"].get("command")]
    assert run["with"]["policyPacks"] == "policies" and steps.index(run) > install
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(d.startswith("awscli") for d in extras["deploy"])


def test_the_deploy_runs_the_build_it_just_pushed_by_digest() -> None:
    image = _workflow("worker-image.yml")
    outputs = image["jobs"]["image"]["outputs"]
    (push,) = [s for s in image["jobs"]["image"]["steps"] if s.get("id") == "push"]
    assert push["with"]["push"] is True and outputs["digest"] == "${{ steps.push.outputs.digest }}"
    deploy = _workflow("deploy.yml")["jobs"]
    assert deploy["image"]["uses"] == "./.github/workflows/worker-image.yml" and deploy["up"]["needs"] == "image"
    assert deploy["up"]["env"]["WORKER_BUILD"] == "${{ needs.image.outputs.tag }}@${{ needs.image.outputs.digest }}"
    steps = deploy["up"]["steps"]
    pin = next(i for i, s in enumerate(steps) if "pin-images" in s.get("run", ""))
    assert '--worker "$WORKER_BUILD" --require' in steps[pin]["run"]
    up = next(i for i, s in enumerate(steps) if s.get("with", {}).get("command") == "up")
    check = next(i for i, s in enumerate(steps) if "check plan.json --deploy" in s.get("run", ""))
    assert pin < check < up


def _as_root_function() -> str:
    text = (REPO / ".ci" / "run").read_text()
    return re.search(r"^as_root\(\) \{.*?^\}", text, re.S | re.M).group(0)  # type: ignore[union-attr]


def test_ci_installs_system_packages_only_through_as_root() -> None:
    for line in (REPO / ".ci" / "run").read_text().splitlines():
        if "apt-get" in line and not line.lstrip().startswith("#"):
            assert line.strip().startswith("as_root "), line


@pytest.mark.parametrize(
    ("uid", "expected"), [("0", "apt-get update"), ("1000", "sudo --non-interactive apt-get update")]
)
def test_as_root_uses_sudo_only_when_not_root(tmp_path: Path, uid: str, expected: str) -> None:
    for tool, body in (("id", f"echo {uid}"), ("sudo", 'echo "sudo $*"'), ("apt-get", 'echo "apt-get $*"')):
        (tmp_path / tool).write_text(f"#!/bin/sh\n{body}\n")
        (tmp_path / tool).chmod(0o755)
    script = f"{_as_root_function()}\nas_root apt-get update\n"
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env={"PATH": f"{tmp_path}:/usr/bin:/bin"}, timeout=30
    )
    assert result.stdout.strip() == expected
