"""The layers of the house, enforced by import-linter (contracts in pyproject.toml)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("infra", "components", "policies", "foundation", "gpu_worker")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the packages under `root`, with its pyproject's contracts."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _copy_of_the_tree(destination: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(REPO / package, destination / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", destination / "pyproject.toml")
    return destination


def test_every_import_points_down() -> None:
    result = _lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "offending_import", "contract"),
    [
        ("components/dns.py", "import infra.stack", "Layers"),
        ("policies/tags.py", "import components.dns", "Layers"),
        ("foundation/naming.py", "import policies.tags", "Layers"),
        ("gpu_worker/store.py", "import pulumi", "The worker stands apart"),
    ],
)
def test_an_import_that_points_up_breaks_a_contract(
    tmp_path: Path, module: str, offending_import: str, contract: str
) -> None:
    tree = _copy_of_the_tree(tmp_path)
    target = tree / module
    target.write_text(target.read_text() + f"\n{offending_import}  # noqa\n")
    result = _lint_imports(tree)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(line.startswith(contract) for line in broken), result.stdout
