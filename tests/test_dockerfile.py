"""The worker's Dockerfile passes hadolint at warning level (pinned apt packages, exec-form commands)."""

from __future__ import annotations

import subprocess

from tests.conftest import REPO
from tests.test_ci import audit_tool


def test_the_dockerfile_passes_hadolint_at_warning_level() -> None:
    result = subprocess.run(
        [audit_tool("hadolint"), "--failure-threshold", "warning", str(REPO / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
