"""Values whose reading used to differ between the offline preview and the Pulumi CLI: times of day and
numbers, from the stack file to the validated config."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import TypeAdapter

from foundation.config import PLATFORM_KEY, ConfigError, FreezeWindow, PlatformConfig, parse_platform_config
from foundation.config.base import Model, TimeOfDay
from foundation.config.loader import load_stack_platform
from tests.conftest import REPO, shipped_raw
from tests.test_config_docs import _models


def _stack(folder: Path, extra: str, kubernetes: str = "") -> str:
    """A copy of the staging stack file with `extra` (lines under the platform object) appended and `kubernetes`
    (lines) added to its kubernetes section."""
    text = (REPO / "Pulumi.staging.yaml").read_text().replace(
        "    kubernetes:\n", "    kubernetes:\n" + kubernetes
    ) + extra
    (folder / "Pulumi.edited.yaml").write_text(text)
    return "edited"


def test_unquoted_times_keep_their_hours_as_under_the_pulumi_cli(tmp_path: Path) -> None:
    extra = "    freeze: {start: 10:00, end: 20:00}\n"
    kubernetes = "      saturday_prescale: {start: 09:00, end: 21:00}\n"
    platform, _ = load_stack_platform(tmp_path, _stack(tmp_path, extra, kubernetes))
    assert (platform.freeze.start, platform.freeze.end) == (time(10), time(20))
    prescale = platform.kubernetes.saturday_prescale
    assert (prescale.start, prescale.end) == (time(9), time(21))

    # PyYAML (YAML 1.1) reads 10:00 as 600 seconds: the model now refuses that instead of freezing 00:10-00:20.
    read_by_pyyaml = yaml.safe_load((tmp_path / "Pulumi.edited.yaml").read_text())["config"][PLATFORM_KEY]
    assert read_by_pyyaml["freeze"] == {"start": 600, "end": 1200}
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(read_by_pyyaml)
    assert caught.value.lines == [
        f'{key}: must be a time of day written as a quoted "HH:MM" string, e.g. "09:00" (got {seconds})'
        for key, seconds in (
            ("freeze.start", 600),
            ("freeze.end", 1200),
            ("kubernetes.saturday_prescale.end", 1260),  # 09:00 has no base-60 reading: PyYAML keeps the text
        )
    ]


@pytest.mark.parametrize("text", ["00:00", "09:30", "23:59"])
def test_a_time_of_day_is_hh_mm(text: str) -> None:
    assert f"{TypeAdapter(TimeOfDay).validate_python(text):%H:%M}" == text


@pytest.mark.parametrize("value", [600, 36000.0, "9:00", "24:00", "10:60", "10:00:00", "10h00", True, None])
def test_anything_else_is_refused_naming_the_fix(value: Any) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_platform_config({**shipped_raw("staging"), "freeze": {"start": value}})
    assert caught.value.lines == [
        f'freeze.start: must be a time of day written as a quoted "HH:MM" string, e.g. "09:00" (got {value!r})'
    ]


def test_times_of_day_are_documented_and_dumped_as_hh_mm() -> None:
    schema = FreezeWindow.model_json_schema()["properties"]["start"]
    assert (schema["type"], schema["default"]) == ("string", "10:00")
    assert FreezeWindow().model_dump(mode="json")["end"] == "20:00"


@pytest.mark.parametrize("value", ["1e400", "inf", "-Infinity", "nan", float("inf"), float("nan")])
def test_numbers_must_be_finite(value: Any) -> None:
    # The Pulumi CLI hands `1e400` on as the string "1e400" (resolve.go:204-209); pydantic would read it as
    # infinity, which the budget policy would then compare against.
    with pytest.raises(ConfigError) as caught:
        parse_platform_config({**shipped_raw("staging"), "budget": {"gpu_hourly_usd": value}})
    assert caught.value.lines == [f"budget.gpu_hourly_usd: input should be a finite number (got {value!r})"]


def test_every_config_model_refuses_infinity_and_nan() -> None:
    models = _models(PlatformConfig, set())
    assert len(models) > 20
    for model in models:
        assert issubclass(model, Model) and model.model_config.get("allow_inf_nan") is False, model
