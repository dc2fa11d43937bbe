"""The config schema: shipped stacks are valid; each broken rule gives its exact one-line message."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from foundation.config import PLATFORM_KEY, ConfigError, Season, parse_platform_config
from tests.conftest import REPO, shipped_raw

Edit = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Edit:
    """An edit setting `a.b[1].c` to value."""

    def edit(raw: dict[str, Any]) -> None:
        target: Any = raw
        parts = path.replace("]", "").replace("[", ".").split(".")
        for part in parts[:-1]:
            target = target[int(part)] if part.isdigit() else target[part]
        last = parts[-1]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return edit


def _problems(stack: str, *edits: Edit) -> list[str]:
    raw = shipped_raw(stack)
    for edit in edits:
        edit(raw)
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(raw)
    return caught.value.lines


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_shipped_stacks_are_valid(stack: str) -> None:
    platform = parse_platform_config(shipped_raw(stack))
    assert platform.environment == stack


def test_prod_has_the_seed_topology_with_residency() -> None:
    platform = parse_platform_config(shipped_raw("prod"))
    assert [(r.id, r.cloud.value, r.residency) for r in platform.regions] == [
        ("us-east-1", "aws", "us"),
        ("us-west-2", "aws", "us"),
        ("eu-west-1", "aws", "eu"),
        ("eu-central-1", "aws", "eu"),
        ("asia-southeast1", "gcp", "apac"),
    ]
    assert platform.primary.id == "us-east-1"
    assert platform.zones_without_failover() == ["apac"]
    assert platform.protect is True


def test_staging_is_one_small_unprotected_aws_region() -> None:
    platform = parse_platform_config(shipped_raw("staging"))
    assert [r.id for r in platform.regions] == ["us-east-1"]
    assert platform.protect is False


def test_protection_can_be_switched_on_in_staging() -> None:
    raw = shipped_raw("staging")
    raw["protect_stateful"] = True
    assert parse_platform_config(raw).protect is True


BROKEN_CONFIGS: list[tuple[str, list[Edit], str]] = [
    (
        "max below min",
        [_set("regions[0].gpu_pools[0].max_size", 1)],
        "regions[0].gpu_pools[0].max_size: must be >= min_size (got 1 < 2)",
    ),
    (
        "desired outside bounds",
        [_set("regions[1].system_pool.desired_size", 9)],
        "regions[1].system_pool.desired_size: must lie between min_size and max_size (got 9, bounds 2..6)",
    ),
    (
        "two primaries",
        [_set("regions[1].role", "primary")],
        "regions: must have exactly one primary region (got 2: ['us-east-1', 'us-west-2'])",
    ),
    (
        "no primary",
        [_set("regions[0].role", "secondary")],
        "regions: must have exactly one primary region (got 0: [])",
    ),
    (
        "duplicate region id",
        [
            lambda raw: raw["regions"].append(
                {**raw["regions"][2], "network": {**raw["regions"][2]["network"], "cidr": "10.9.0.0/16"}}
            )
        ],
        "regions[5].id: duplicates regions[2] (eu-west-1)",
    ),
    (
        "overlapping CIDRs",
        [_set("regions[1].network.cidr", "10.0.128.0/17")],
        "regions[1].network.cidr: overlaps regions[0].network.cidr (10.0.128.0/17 overlaps 10.0.0.0/16)",
    ),
    (
        "GPU count does not match the instance type",
        [_set("regions[0].gpu_pools[0].gpus_per_node", 4)],
        "regions[0].gpu_pools[0].gpus_per_node: g6.2xlarge has 1 GPU(s) per node (got 4)",
    ),
    (
        "GPU model does not match the instance type",
        [_set("regions[4].gpu_pools[0].gpu_model", "a100-80gb")],
        "regions[4].gpu_pools[0].gpu_model: g2-standard-8 carries l4 (got 'a100-80gb')",
    ),
    (
        "unknown GPU instance type",
        [_set("regions[0].gpu_pools[1].instance_type", "m6i.large")],
        "regions[0].gpu_pools[1].instance_type: is not a known aws GPU type (got 'm6i.large')",
    ),
    (
        "failover target not configured",
        [_set("regions[0].failover_to", ["us-east-2"])],
        "regions[0].failover_to[0]: is not a configured region (got 'us-east-2')",
    ),
    (
        "failover across residency zones",
        [_set("regions[2].failover_to", ["us-east-1"])],
        "regions[2].failover_to[0]: must lie in residency zone 'eu' like eu-west-1: traffic fails over only "
        "within its zone (got us-east-1, zone 'us')",
    ),
    (
        "backup across residency zones",
        [_set("regions[2].backup_region", "us-east-1")],
        "regions[2].backup_region: must lie in residency zone 'eu' like eu-west-1: photos never leave their "
        "zone (got us-east-1, zone 'us')",
    ),
    (
        "backup in the region itself",
        [_set("regions[0].backup_region", "us-east-1")],
        "regions[0].backup_region: must differ from the region itself (us-east-1)",
    ),
    (
        "residency zone wrong for the region",
        [_set("regions[0].residency", "eu")],
        "regions[0].residency: us-east-1 lies in residency zone 'us' (got 'eu')",
    ),
    (
        "fewer than three zones",
        [_set("regions[0].network.availability_zones", ["us-east-1a", "us-east-1b"])],
        "regions[0].network.availability_zones: must list at least 3 distinct zones that offer the GPU type (got 2)",
    ),
    (
        "zone of another region",
        [_set("regions[0].network.availability_zones[2]", "us-west-2c")],
        "regions[0].network.availability_zones[2]: is not a zone of us-east-1 (got 'us-west-2c')",
    ),
    (
        "cluster endpoint open to the internet",
        [_set("aws.api_access_cidrs", ["0.0.0.0/0"])],
        "aws.api_access_cidrs: must not contain 0.0.0.0/0: the cluster API is never open to the internet",
    ),
    (
        "floating image tag",
        [_set("worker.image", "registry.example/wedsync/gpu-worker:latest")],
        "worker.image: must not use the floating tag 'latest' (got 'registry.example/wedsync/gpu-worker:latest')",
    ),
    (
        "unpinned image",
        [_set("worker.image", "registry.example/wedsync/gpu-worker")],
        "worker.image: must be an image pinned by tag or digest, e.g. repo/worker:1.4.2 "
        "(got 'registry.example/wedsync/gpu-worker')",
    ),
    (
        "misspelt key",
        [lambda raw: raw["regions"][0].update(gpu_pool=raw["regions"][0].pop("gpu_pools"))],
        "regions[0].gpu_pool: is not a known key",
    ),
    (
        "GCP region without a GCP project",
        [lambda raw: raw.pop("gcp")],
        "gcp: is required: a region runs on gcp",
    ),
    (
        "GCP region without a latency region",
        [lambda raw: raw["regions"][4].pop("latency_region")],
        "regions[4].latency_region: is required in a GCP region: the nearest AWS region, for Route53 latency records",
    ),
    (
        "unknown time zone for the freeze",
        [_set("freeze", {"timezone": "Mars/Olympus"})],
        "freeze.timezone: must be an IANA time zone such as Europe/London (got 'Mars/Olympus')",
    ),
    (
        "negative pool size",
        [_set("regions[0].system_pool.min_size", -1)],
        "regions[0].system_pool.min_size: input should be greater than or equal to 0 (got -1)",
    ),
    (
        "month in two seasons",
        [
            _set(
                "seasons",
                {
                    "moderate": {
                        "months": [3, 4, 10, 5],
                        "worker_min_replicas": 2,
                        "worker_max_replicas": 16,
                        "gpu_max_fraction": 0.5,
                        "queue_lag_target": 500,
                    }
                },
            )
        ],
        "seasons.moderate.months: month 5 is already in peak",
    ),
    (
        "backup schedule without a fixed interval",
        [_set("dr", {"backups": {"schedules": [{"name": "weekly", "scope": "rest", "cron": "0 3 * * 1"}]}})],
        "dr.backups.schedules[0].cron: must run at a fixed interval: '*/n * * * *' (minutes), 'm */n * * *' "
        "(hours) or 'm h * * *' (daily), n dividing 60 or 24 (got '0 3 * * 1')",
    ),
]


@pytest.mark.parametrize(
    ("edits", "expected"),
    [(edits, expected) for _, edits, expected in BROKEN_CONFIGS],
    ids=[name for name, _, _ in BROKEN_CONFIGS],
)
def test_each_broken_rule_gives_its_exact_message(edits: list[Edit], expected: str) -> None:
    assert expected in _problems("prod", *edits)


def test_every_problem_is_reported_at_once() -> None:
    lines = _problems(
        "prod",
        _set("regions[0].gpu_pools[0].max_size", 1),
        _set("regions[2].backup_region", "us-east-1"),
        _set("worker.image", "x/worker:latest"),
    )
    assert len(lines) == 3


def test_season_selects_its_profile() -> None:
    raw = shipped_raw("prod")
    raw["season"] = "peak"
    platform = parse_platform_config(raw)
    assert platform.season is Season.PEAK
    assert platform.season_profile.gpu_max_fraction == 1.0


def _write_project(folder: Path, stack: str, platform: dict[str, Any]) -> None:
    (folder / "Pulumi.yaml").write_text((REPO / "Pulumi.yaml").read_text())
    (folder / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": {PLATFORM_KEY: platform}}))


def _preview(folder: Path, stack: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "infra", "--project-dir", str(folder), "preview", "--stack", stack],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


def test_broken_config_exits_2_with_one_line_per_problem_and_no_traceback(tmp_path: Path) -> None:
    raw = shipped_raw("prod")
    raw["regions"][2]["gpu_pools"][0]["max_size"] = 0
    raw["regions"][3]["backup_region"] = "us-west-2"
    _write_project(tmp_path, "broken", raw)

    result = _preview(tmp_path, "broken")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""  # nothing was previewed
    assert "  regions[2].gpu_pools[0].max_size: input should be greater than or equal to 1 (got 0)" in result.stderr
    assert "  regions[3].backup_region: must lie in residency zone 'eu' like eu-central-1" in result.stderr


def test_unknown_stack_exits_2_naming_the_stacks_there(tmp_path: Path) -> None:
    _write_project(tmp_path, "staging", shipped_raw("staging"))
    result = _preview(tmp_path, "nope")
    assert result.returncode == 2
    assert "Pulumi.nope.yaml: no such stack file (stacks here: staging)" in result.stderr
    assert "Traceback" not in result.stderr
