"""Shared fixtures: the shipped stacks' configs and plans, built once per session."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from foundation.config import PLATFORM_KEY, PROJECT, KubernetesLayer, PlatformConfig, parse_platform_config
from foundation.config.loader import platform_object, read_stack_config
from infra.offline.analyzer import PolicyPackProcess
from infra.offline.plan import Plan, run_program

REPO = Path(__file__).resolve().parents[1]


def shipped_raw(stack: str) -> dict[str, Any]:
    """The raw `platform` object of a shipped stack file as the program receives it (read as the Pulumi
    CLI reads it, the preview's reader); a fresh copy, free to modify."""
    return platform_object(read_stack_config(REPO, stack))


# Real-looking stand-ins for the shipped stacks' placeholders (example accounts, domains, CIDRs).
DEPLOYABLE_VALUES = {
    "222222222222": "734019562203",
    "111111111111": "734019562204",
    "wedsync.example": "wedsync.com",
    "registry.example": "ghcr.io",
    "203.0.113.0/28": "34.120.17.0/28",
}


def deployable_raw(stack: str) -> dict[str, Any]:
    """A shipped stack with every placeholder (its own and the defaults it relies on) replaced."""
    raw = shipped_raw(stack)
    defaults = KubernetesLayer().model_dump(mode="json")
    layer = raw.setdefault("kubernetes", {})
    layer.update({key: layer.get(key, defaults[key]) for key in ("model_services", "acme_email", "runbooks_url")})
    text = json.dumps(raw)
    for placeholder, real in DEPLOYABLE_VALUES.items():
        text = text.replace(placeholder, real)
    return json.loads(text)


# Alert webhook URLs a deploy sets as stack secrets (the tokens must never show in a plan in clear).
PAGER_URL = "https://pager.example.test/hook/s3cr3t-pager-token"
CHAT_URL = "https://chat.example.test/hook/s3cr3t-chat-token"


def webhook_secrets(raw: dict[str, Any]) -> dict[str, str]:
    """The stack config keys of the pager and chat webhooks (`pulumi config set --secret`), set."""
    alerting = parse_platform_config(raw).alerting
    return {f"{PROJECT}:{alerting.pager_webhook_key}": PAGER_URL, f"{PROJECT}:{alerting.chat_webhook_key}": CHAT_URL}


def build_plan(raw: dict[str, Any], stack: str, secrets: dict[str, str] | None = None) -> tuple[PlatformConfig, Plan]:
    """Validate a raw config and run the real program on it under mocks (with `secrets`: further stack config)."""
    platform = parse_platform_config(raw)
    return platform, run_program(platform, stack, {PLATFORM_KEY: raw, **(secrets or {})})


@pytest.fixture(scope="session")
def prod() -> tuple[PlatformConfig, Plan]:
    return build_plan(shipped_raw("prod"), "prod")


@pytest.fixture(scope="session")
def staging() -> tuple[PlatformConfig, Plan]:
    return build_plan(shipped_raw("staging"), "staging")


@pytest.fixture(scope="session")
def prod_deployable() -> tuple[PlatformConfig, Plan]:
    """prod with real-looking values instead of placeholders and its alert webhooks set: what a deploy applies."""
    raw = deployable_raw("prod")
    return build_plan(raw, "prod", webhook_secrets(raw))


@pytest.fixture(scope="session")
def staging_deployable() -> tuple[PlatformConfig, Plan]:
    raw = deployable_raw("staging")
    return build_plan(raw, "staging", webhook_secrets(raw))


@pytest.fixture
def variant() -> Callable[..., tuple[PlatformConfig, Plan]]:
    """Build a plan from a shipped stack changed by `edit(raw)`."""

    def make(stack: str, edit: Callable[[dict[str, Any]], None]) -> tuple[PlatformConfig, Plan]:
        raw = shipped_raw(stack)
        edit(raw)
        return build_plan(raw, stack)

    return make


@pytest.fixture(scope="session")
def policy_pack():
    """The policy pack started once, as the Pulumi CLI starts it, for every protocol test."""
    with PolicyPackProcess() as pack:
        yield pack


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
