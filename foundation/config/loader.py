"""Reading the platform config: from `Pulumi.<stack>.yaml` (offline) or from Pulumi's config (program)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from foundation.config.platform import PlatformConfig
from foundation.config.problems import problem_lines

PROJECT = "wedsync-platform"
PLATFORM_KEY = f"{PROJECT}:platform"


class ConfigError(Exception):
    """The config cannot be used; `lines` holds one readable line per problem."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


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


def read_stack_config(project_dir: Path, stack: str) -> dict[str, Any]:
    """All config values of `Pulumi.<stack>.yaml`, keyed as the Pulumi CLI keys them."""
    path = stack_file(project_dir, stack)
    if not path.is_file():
        known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))
        raise ConfigError([f"{path.name}: no such stack file (stacks here: {', '.join(known) or 'none'})"])
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path.name}: not valid YAML ({exc})".replace("\n", " ")]) from None
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict) or PLATFORM_KEY not in config:
        raise ConfigError([f"{path.name}: config.{PLATFORM_KEY} is required"])
    return config


def load_stack_platform(project_dir: Path, stack: str) -> tuple[PlatformConfig, dict[str, Any]]:
    """The validated platform config of a stack, and the stack file's raw config values."""
    config = read_stack_config(project_dir, stack)
    return parse_platform_config(config[PLATFORM_KEY]), config


def load_from_pulumi() -> PlatformConfig:
    """The platform config of the running Pulumi program (the only place the program reads config)."""
    import pulumi

    raw = pulumi.Config(PROJECT).require_object("platform")
    try:
        return parse_platform_config(raw)
    except ConfigError as exc:
        raise pulumi.RunError("invalid platform config:\n" + "\n".join(exc.lines)) from None
