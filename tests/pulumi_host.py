"""Where the Pulumi CLI's Python language host looks for a project's program and dependencies.

Reimplemented from pulumi/pulumi at 1b5949891b3cefcb9974752b24a5ecef0acc86c8:
- pkg/engine/project.go `getPwdMain`: `main` (relative to the project root) that is a folder becomes the
  program directory; a file makes its folder the program directory; no `main` leaves the root.
- sdk/python/cmd/pulumi-language-python/main.go `InstallDependencies` calls the toolchain with
  `req.Info.ProgramDirectory`; sdk/python/toolchain/toolchain.go `ResolveToolchain` picks pip for
  `toolchain: pip` (auto: uv or poetry when a uv.lock / poetry.lock is found upwards).
- sdk/python/toolchain/pip.go `InstallDependencies`: the venv is `root/<virtualenv>` when relative
  (`resolveVirtualEnvironmentPath`); `requirements.txt` is looked for in the program directory only
  (none: nothing is installed) and `pip install -r requirements.txt` runs there (`pipCmd.Dir = cwd`),
  so relative requirement paths resolve against the program directory.
- pkg/cmd/pulumi/policy/io.go `InstallPluginDependencies`: a policy pack is a project with `Main: "."`
  rooted at its own folder (so its requirements.txt and virtualenv are the pack folder's).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import yaml


class HostLookupError(Exception):
    """The language host would not find the program or its dependencies."""


@dataclass(frozen=True)
class PythonProject:
    """What the language host resolves for one project file (Pulumi.yaml or PulumiPolicy.yaml)."""

    root: Path
    program_dir: Path
    virtualenv: Path | None
    requirements: Path
    editable: tuple[Path, ...]

    def installs_project(self, name: str) -> bool:
        """An editable requirement names a folder whose pyproject.toml is the project `name`."""
        for folder in self.editable:
            pyproject = folder / "pyproject.toml"
            if pyproject.is_file() and tomllib.loads(pyproject.read_text())["project"]["name"] == name:
                return True
        return False


def _program_dir(root: Path, main: str | None) -> Path:
    if not main:
        return root
    target = (root / main).resolve()
    if not target.exists():
        raise HostLookupError(f"project 'main' could not be read: {target}")
    return target if target.is_dir() else target.parent


def _editable_targets(requirements: Path, program_dir: Path) -> tuple[Path, ...]:
    targets = []
    for line in requirements.read_text().splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) == 2 and words[0] in ("-e", "--editable"):
            targets.append((program_dir / words[1]).resolve())
    return tuple(targets)


def resolve(project_file: Path) -> PythonProject:
    """The program directory, venv and requirements the host uses for `project_file`."""
    document = yaml.safe_load(project_file.read_text())
    runtime = document["runtime"]
    options = runtime.get("options", {}) if isinstance(runtime, dict) else {}
    if (runtime["name"] if isinstance(runtime, dict) else runtime) != "python":
        raise HostLookupError(f"{project_file.name}: not a Python project")
    if options.get("toolchain", "pip") != "pip":
        raise HostLookupError(f"{project_file.name}: toolchain {options['toolchain']} is not pip")
    root = project_file.parent.resolve()
    program_dir = _program_dir(root, document.get("main"))
    for folder in (program_dir, *program_dir.parents):
        if (folder / "uv.lock").exists() or (folder / "poetry.lock").exists():
            raise HostLookupError(f"{folder}: a lock file would switch the auto toolchain away from pip")
    virtualenv = options.get("virtualenv")
    venv = None if not virtualenv else (Path(virtualenv) if Path(virtualenv).is_absolute() else root / virtualenv)
    requirements = program_dir / "requirements.txt"
    if not requirements.is_file():
        raise HostLookupError(f"no requirements.txt in the program directory {program_dir}: nothing is installed")
    return PythonProject(root, program_dir, venv, requirements, _editable_targets(requirements, program_dir))
