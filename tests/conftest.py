"""Shared fixtures: the shipped stacks' configs and plans, built once per session."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from foundation.config import PLATFORM_KEY, PlatformConfig, parse_platform_config
from infra.offline.plan import Plan, run_program

REPO = Path(__file__).resolve().parents[1]


def shipped_raw(stack: str) -> dict[str, Any]:
    """The raw `platform` object of a shipped stack file (a fresh copy, free to modify)."""
    document = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())
    return copy.deepcopy(document["config"][PLATFORM_KEY])


def build_plan(raw: dict[str, Any], stack: str) -> tuple[PlatformConfig, Plan]:
    """Validate a raw config and run the real program on it under mocks."""
    platform = parse_platform_config(raw)
    return platform, run_program(platform, stack, {PLATFORM_KEY: raw})


@pytest.fixture(scope="session")
def prod() -> tuple[PlatformConfig, Plan]:
    return build_plan(shipped_raw("prod"), "prod")


@pytest.fixture(scope="session")
def staging() -> tuple[PlatformConfig, Plan]:
    return build_plan(shipped_raw("staging"), "staging")


@pytest.fixture
def variant() -> Callable[..., tuple[PlatformConfig, Plan]]:
    """Build a plan from a shipped stack changed by `edit(raw)`."""

    def make(stack: str, edit: Callable[[dict[str, Any]], None]) -> tuple[PlatformConfig, Plan]:
        raw = shipped_raw(stack)
        edit(raw)
        return build_plan(raw, stack)

    return make


def pytest_report_header() -> str:
    """Say which real Redis-compatible server the queue tests start."""
    from tests.redis_server import server_binary, server_version

    binary = server_binary()
    return f"redis tests use: {binary} ({server_version(binary)})"


@pytest.fixture
def redis_server(tmp_path: Path):
    """A fresh real redis-server for one test."""
    from tests.redis_server import RedisServer

    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_server():
    """A real S3-compatible server (moto's server mode) on loopback, for the whole session."""
    from tests.s3_server import S3Server

    server = S3Server().start()
    yield server
    server.stop()
