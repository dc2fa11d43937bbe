"""The projects as the Pulumi CLI sees them: program, policy pack and bootstrap each find their dependencies."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.pulumi_host import HostLookupError, resolve

PROJECT = "wedsync-platform"


def _runs(program_dir: Path, module: str, function: str) -> bool:
    """The program directory's __main__.py (what the host runs with runpy) imports and calls `module.function`."""
    tree = ast.parse((program_dir / "__main__.py").read_text())
    imported = any(
        isinstance(node, ast.ImportFrom) and node.module == module and any(a.name == function for a in node.names)
        for node in tree.body
    )
    called = any(
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and getattr(node.value.func, "id", "") == function
        for node in tree.body
    )
    return imported and called


def test_the_program_directory_installs_this_project_into_the_root_venv() -> None:
    project = resolve(REPO / "Pulumi.yaml")
    assert project.program_dir == REPO
    assert project.virtualenv == REPO / ".venv"
    assert project.installs_project(PROJECT)
    assert _runs(project.program_dir, "infra.stack", "main")


def test_a_main_folder_without_its_own_requirements_is_caught(tmp_path: Path) -> None:
    """The layout of issue 11: `main: infra/program/` with requirements.txt at the root installs nothing."""
    (tmp_path / "infra" / "program").mkdir(parents=True)
    shutil.copy(REPO / "requirements.txt", tmp_path / "requirements.txt")
    pulumi_yaml = (REPO / "Pulumi.yaml").read_text() + "main: infra/program/\n"
    (tmp_path / "Pulumi.yaml").write_text(pulumi_yaml)
    with pytest.raises(HostLookupError, match=r"no requirements\.txt in the program directory"):
        resolve(tmp_path / "Pulumi.yaml")


def test_a_requirements_file_beside_a_nested_main_must_reach_back_to_the_project(tmp_path: Path) -> None:
    """`-e .` resolves against the program directory (pip runs there), so a nested main needs `-e ../..`."""
    (tmp_path / "infra" / "program").mkdir(parents=True)
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "Pulumi.yaml").write_text((REPO / "Pulumi.yaml").read_text() + "main: infra/program/\n")
    requirements = tmp_path / "infra" / "program" / "requirements.txt"
    requirements.write_text("-e .\n")
    assert not resolve(tmp_path / "Pulumi.yaml").installs_project(PROJECT)
    requirements.write_text("-e ../..\n")
    assert resolve(tmp_path / "Pulumi.yaml").installs_project(PROJECT)


def test_the_policy_pack_has_its_own_venv_and_installs_the_project() -> None:
    pack = resolve(REPO / "policies" / "PulumiPolicy.yaml")
    assert pack.program_dir == REPO / "policies"
    assert pack.virtualenv == REPO / "policies" / "venv"
    assert pack.installs_project(PROJECT)
    assert _runs(pack.program_dir, "pulumi_policy", "PolicyPack")  # started by tests/test_policy_protocol.py


def test_the_bootstrap_project_has_its_own_venv_and_installs_the_project() -> None:
    bootstrap = resolve(REPO / "bootstrap" / "Pulumi.yaml")
    assert bootstrap.program_dir == REPO / "bootstrap"
    assert bootstrap.virtualenv == REPO / "bootstrap" / "venv"
    assert bootstrap.installs_project(PROJECT)
    assert _runs(bootstrap.program_dir, "bootstrap.program", "main")


def test_virtualenvs_are_not_committed() -> None:
    ignored = (REPO / ".gitignore").read_text().split()
    for project_file in ("Pulumi.yaml", "policies/PulumiPolicy.yaml", "bootstrap/Pulumi.yaml"):
        venv = resolve(REPO / project_file).virtualenv
        assert venv is not None
        assert f"{venv.relative_to(REPO)}/" in ignored
