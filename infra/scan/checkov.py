"""Run checkov, offline, on a folder holding the Terraform plan JSON and the rendered manifests.

checkov's dependency pins (packaging<24, networkx<2.7) cannot live beside Pulumi's, so it runs from its own
virtual environment (`.venv-scan`, made by `.ci/run` from the `scan` dependency group of pyproject.toml), or
from `$CHECKOV`, or from PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FRAMEWORKS = ("terraform_plan", "kubernetes")

# Nothing leaves the machine: no policy metadata download (BC_SKIP_MAPPING and --skip-download, checkov
# main.py), no PyPI version check (CKV_SKIP_PACKAGE_UPDATE_CHECK, common/version_manager.py), no API key.
OFFLINE_ENV = {"BC_SKIP_MAPPING": "TRUE", "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE", "BC_API_KEY": ""}


class CheckovMissing(RuntimeError):
    """checkov is not installed where the scan looks for it."""


@dataclass(frozen=True)
class Finding:
    """One failed check on one resource."""

    framework: str
    check_id: str
    check_name: str
    resource: str  # a Terraform address, or `<region>/<Kind>.<namespace>.<name>` for a manifest

    @property
    def key(self) -> tuple[str, str]:
        return (self.check_id, self.resource)


@dataclass
class ScanResult:
    findings: list[Finding]
    passed: dict[str, int]  # per framework
    failed: dict[str, int]
    passed_checks: set[tuple[str, str]]  # (check id, resource)


def checkov_executable(project_dir: Path) -> str:
    """`$CHECKOV`, else the project's `.venv-scan/bin/checkov`, else `checkov` on PATH."""
    candidates = [os.environ.get("CHECKOV"), str(project_dir / ".venv-scan" / "bin" / "checkov"), "checkov"]
    for candidate in candidates:
        if candidate and (found := shutil.which(candidate)):
            return found
    raise CheckovMissing(
        "checkov is not installed: python3 -m venv .venv-scan && .venv-scan/bin/pip install --group scan "
        "(or set CHECKOV to its path)"
    )


def run_checkov(executable: str, folder: Path, extra_env: dict[str, str] | None = None) -> ScanResult:
    """Run every check of both frameworks on `folder` and collect the failures."""
    command = [executable, "--directory", ".", "--framework", *FRAMEWORKS, "--output", "json"]
    command += ["--skip-download", "--compact"]
    env = {**os.environ, **OFFLINE_ENV, **(extra_env or {})}
    completed = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, check=False)
    try:
        reports = json.loads(completed.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"checkov failed (exit {completed.returncode}): {completed.stderr[-2000:]}") from None
    return _collect(reports if isinstance(reports, list) else [reports])


def _collect(reports: list[dict[str, Any]]) -> ScanResult:
    result = ScanResult([], {}, {}, set())
    for report in reports:
        framework = report["check_type"]
        result.passed[framework] = report["summary"]["passed"]
        result.failed[framework] = report["summary"]["failed"]
        for check in report["results"]["failed_checks"]:
            result.findings.append(Finding(framework, check["check_id"], check["check_name"], _resource(check)))
        result.passed_checks |= {(check["check_id"], _resource(check)) for check in report["results"]["passed_checks"]}
    result.findings.sort(key=lambda f: (f.framework, f.check_id, f.resource))
    return result


def _resource(check: dict[str, Any]) -> str:
    if check.get("resource_address"):
        return str(check["resource_address"])
    region = Path(check["file_path"].lstrip("/")).parts[1]  # manifests/<region>/<file>.yaml
    return f"{region}/{check['resource']}"
