"""Typed per-environment config (pydantic v2). The only code that reads config."""

from infra.config.loader import (
    PLATFORM_KEY,
    PROJECT,
    ConfigError,
    load_from_pulumi,
    load_stack_platform,
    parse_platform_config,
)
from infra.config.models import (
    Capacity,
    Cloud,
    GpuPool,
    RegionRole,
    Season,
    SystemPool,
    Taint,
    TaintEffect,
    Tier,
)
from infra.config.platform import PlatformConfig
from infra.config.region import NetworkSettings, Region

__all__ = [
    "PLATFORM_KEY",
    "PROJECT",
    "Capacity",
    "Cloud",
    "ConfigError",
    "GpuPool",
    "NetworkSettings",
    "PlatformConfig",
    "Region",
    "RegionRole",
    "Season",
    "SystemPool",
    "Taint",
    "TaintEffect",
    "Tier",
    "load_from_pulumi",
    "load_stack_platform",
    "parse_platform_config",
]
