"""Reading the platform config: from `Pulumi.<stack>.yaml` (offline) or from Pulumi's config (program).

Offline, the stack file is read as the Pulumi CLI reads it (stack_yaml), so the program sees the same
values under the offline preview as under `pulumi preview`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from foundation.config.errors import ConfigError
from foundation.config.platform import PlatformConfig
from foundation.config.problems import problem_lines
from foundation.config.stack_yaml import read_stack_file

PROJECT = "wedsync-platform"
PLATFORM_KEY = f"{PROJECT}:platform"


def parse_platform_config(raw: Any) -> PlatformConfig:
    """Validate the raw `platform` object, turning every problem into a `key.path: rule` line."""
    if not isinstance(raw, dict):
        raise ConfigError([f"{PLATFORM_KEY}: must be a mapping (got {type(raw).__name__})"])
    try:
        return PlatformConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(problem_lines(exc)) from None


def stack_file(project_dir: Path, stack: str) -> Path:
    return project_dir / f"Pulumi.{stack}.yaml"


def read_stack_config(project_dir: Path, stack: str) -> dict[str, str]:
    """The config of `Pulumi.<stack>.yaml` as the Pulumi CLI hands it to the program: one text per key,
    keyed as the CLI keys them (objects as JSON)."""
    path = stack_file(project_dir, stack)
    if not path.is_file():
        known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))
        raise ConfigError([f"{path.name}: no such stack file (stacks here: {', '.join(known) or 'none'})"])
    config = read_stack_file(path, PROJECT)
    if PLATFORM_KEY not in config:
        raise ConfigError([f"{path.name}: config.{PLATFORM_KEY} is required"])
    return config


def platform_object(config: dict[str, str]) -> Any:
    """The platform object as the program's `Config.require_object("platform")` reads it (JSON)."""
    text = config[PLATFORM_KEY]
    try:
        return json.loads(text)
    except ValueError:
        raise ConfigError([f"{PLATFORM_KEY}: must be a mapping (got the text {text!r})"]) from None


def load_stack_platform(project_dir: Path, stack: str) -> tuple[PlatformConfig, dict[str, str]]:
    """The validated platform config of a stack, and the config texts the program is handed."""
    config = read_stack_config(project_dir, stack)
    return parse_platform_config(platform_object(config)), config


def load_from_pulumi() -> PlatformConfig:
    """The platform config of the running Pulumi program (the only place the program reads config)."""
    import pulumi

    raw = pulumi.Config(PROJECT).require_object("platform")
    try:
        return parse_platform_config(raw)
    except ConfigError as exc:
        raise pulumi.RunError("invalid platform config:\n" + "\n".join(exc.lines)) from None
