"""Broken stack files through `python -m infra preview`, as a user runs it: exit 2, a header and one line
per problem on stderr, nothing previewed, never a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO

STAGING = (REPO / "Pulumi.staging.yaml").read_bytes()


def _line(text: bytes, needle: bytes) -> int:
    return text[: text.index(needle)].count(b"\n") + 1


def _duplicate(text: bytes) -> tuple[bytes, list[str]]:
    broken = text.replace(b"    tier: nonprod\n", b"    tier: nonprod\n    tier: prod\n")
    first = _line(broken, b"    tier: nonprod")
    return broken, [f"Pulumi.broken.yaml line {first + 1}: mapping key 'tier' already defined at line {first}"]


def _latin1_comment(text: bytes) -> tuple[bytes, list[str]]:
    broken = text.replace(b"# staging:", b"# staging (caf\xe9):")
    return broken, [
        "Pulumi.broken.yaml line 2: not valid UTF-8 (byte 0xe9), which the Pulumi CLI refuses: save the file as UTF-8"
    ]


def _not_finite(text: bytes) -> tuple[bytes, list[str]]:
    broken = text.replace(b"gpu_hourly_usd: 10", b"gpu_hourly_usd: .inf\n      monthly_usd: .nan")
    line = _line(broken, b"      gpu_hourly_usd")
    return broken, [
        f"Pulumi.broken.yaml line {line + n}: wedsync-platform:platform.budget.{key}: reads as {what}, which JSON "
        "cannot carry, so the Pulumi CLI rejects the stack: write a finite number"
        for n, key, what in ((0, "gpu_hourly_usd", "infinity"), (1, "monthly_usd", "NaN"))
    ]


def _plain_secret_and_integer_key(text: bytes) -> tuple[bytes, list[str]]:
    broken = text.replace(b"config:\n", b"config:\n  aws:secretKey: hunter2\n  aws:defaultTags: {tags: {1: a}}\n")
    secret_line = broken.split(b"\n").index(b"  aws:secretKey: hunter2") + 1
    return broken, [
        f"Pulumi.broken.yaml line {secret_line + 1}: aws:defaultTags.tags: the key 1 reads as an integer, and the "
        'Pulumi CLI accepts only string keys: quote it ("1")',
        f"Pulumi.broken.yaml line {secret_line}: aws:secretKey: its name says it holds a secret, so it must be "
        "encrypted (`secure:`), not plain text: set it with `pulumi config set --secret 'aws:secretKey' <value>`",
    ]


def _times_and_numbers(text: bytes) -> tuple[bytes, list[str]]:
    broken = (
        text.replace(b"gpu_hourly_usd: 10", b"gpu_hourly_usd: 1e400").replace(
            b"    kubernetes:\n", b"    kubernetes:\n      saturday_prescale: {start: 9:00}\n"
        )
        + b"    freeze: {start: 600, end: 20:00}\n"
    )
    fix = 'must be a time of day written as a quoted "HH:MM" string, e.g. "09:00"'
    return broken, [
        "budget.gpu_hourly_usd: input should be a finite number (got '1e400')",
        f"freeze.start: {fix} (got 600)",
        f"kubernetes.saturday_prescale.start: {fix} (got '9:00')",
    ]


def _bad_indentation(text: bytes) -> tuple[bytes, list[str]]:
    broken = text.replace(b"      create_zone: true", b"     create_zone: true")
    line = _line(broken, b"     create_zone")
    # libyaml (PyYAML's parser when built with it) and yaml.v3 say "did not find expected key"
    return broken, [f"Pulumi.broken.yaml line {line}: not valid YAML: "]


BREAKS: dict[str, Callable[[bytes], tuple[bytes, list[str]]]] = {
    "duplicate-key": _duplicate,
    "latin-1": _latin1_comment,
    "infinity-and-nan": _not_finite,
    "plain-secret-and-integer-key": _plain_secret_and_integer_key,
    "times-and-numbers": _times_and_numbers,
    "indentation": _bad_indentation,
}


@pytest.mark.parametrize("name", BREAKS)
def test_a_broken_stack_file_exits_2_with_one_line_per_problem(name: str, tmp_path: Path) -> None:
    broken, expected = BREAKS[name](STAGING)
    assert broken != STAGING
    shutil.copy(REPO / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "Pulumi.broken.yaml").write_bytes(broken)

    result = subprocess.run(
        [sys.executable, "-m", "infra", "--project-dir", str(tmp_path), "preview", "--stack", "broken"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )

    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    header, *lines = result.stderr.splitlines()
    assert header == "invalid config for stack 'broken':"
    assert len(lines) == len(expected)
    assert all(line.startswith(f"  {start}") for line, start in zip(lines, expected, strict=True)), lines
