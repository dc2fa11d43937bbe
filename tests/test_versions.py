"""Supported versions, dated (issue 11, item 6): every pin in use is in its support window, with 60 days to spare."""

from __future__ import annotations

from datetime import date

import pytest

from foundation.config import KUBERNETES, SUPPORT_MARGIN_DAYS, ConfigError, Pin, expiring, parse_platform_config
from foundation.config.versions import CHARTS
from tests.conftest import shipped_raw

WRITTEN_ON = date(2026, 11, 29)  # the day the table was last checked against upstream


def _minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def test_no_pin_in_use_is_within_60_days_of_its_end_of_support_today(prod, staging) -> None:
    """The real clock: this turns red 60 days before any pin's support ends, while there is time to upgrade."""
    for platform, _ in (prod, staging):
        assert expiring(platform.pins_in_use(), date.today()) == []


def test_the_clock_is_injectable_and_catches_a_pin_near_its_end(prod) -> None:
    platform, _ = prod
    pins = platform.pins_in_use()
    assert expiring(pins, WRITTEN_ON) == []
    soonest_label, soonest = min(pins, key=lambda item: item[1].end_of_support)
    day_before_margin = date.fromordinal(soonest.end_of_support.toordinal() - SUPPORT_MARGIN_DAYS - 1)
    assert expiring(pins, day_before_margin) == []
    assert (soonest_label, soonest) in expiring(pins, date.fromordinal(day_before_margin.toordinal() + 1))
    assert len(expiring(pins, date(2027, 8, 3))) == len(pins)  # everything in the table has ended by then


def test_prod_runs_the_newest_kubernetes_both_clouds_support_in_standard_support(prod) -> None:
    platform, plan = prod
    newest = max(KUBERNETES, key=_minor)
    assert _minor(newest) >= (1, 35)
    assert {r.kubernetes_version for r in platform.regions} == {newest}
    for cluster in plan.of_type("aws:eks/cluster:Cluster"):
        assert cluster.inputs["version"] == newest
        # STANDARD is only valid in standard support, which the EKS pin's end date bounds.
        assert cluster.inputs["upgradePolicy"] == {"supportType": "STANDARD"}
        assert KUBERNETES[newest].eks.end_of_support > WRITTEN_ON
    (gke,) = plan.of_type("gcp:container/cluster:Cluster")
    assert gke.inputs["minMasterVersion"] == newest and gke.inputs["releaseChannel"] == {"channel": "REGULAR"}


def test_every_chart_and_image_in_the_plan_is_a_dated_pin_of_the_table(prod) -> None:
    platform, plan = prod
    charts = {pin.chart: pin for _, pin in platform.kubernetes.charts}
    assert {c.chart for c in CHARTS.values()} == set(charts)
    for release in plan.of_type("kubernetes:helm.sh/v3:Release"):
        pin = charts[release.inputs["chart"]]
        assert release.inputs["version"] == pin.version
        assert release.inputs["repositoryOpts"]["repo"] == pin.repo
    assert _minor(charts["istiod"].version) >= (1, 27)  # native sidecars by default
    autoscalers = [r for r in plan.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["name"] == "cluster-autoscaler"]
    assert len(autoscalers) == 4
    for autoscaler in autoscalers:  # the autoscaler's minor matches the cluster's
        tag = autoscaler.inputs["values"]["image"]["tag"]
        assert tag == KUBERNETES["1.36"].cluster_autoscaler_image.version and tag.startswith("v1.36.")


@pytest.mark.parametrize(
    "label_pin", [pytest.param(p, id=p[0]) for p in parse_platform_config(shipped_raw("prod")).pins_in_use()]
)
def test_every_pin_says_where_its_dates_come_from(label_pin: tuple[str, Pin]) -> None:
    _, pin = label_pin
    assert pin.source.startswith("https://") and pin.end_of_support > WRITTEN_ON


def test_a_kubernetes_version_outside_the_table_is_a_config_error() -> None:
    raw = shipped_raw("staging")
    raw["regions"][0]["kubernetes_version"] = "1.33"
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(raw)
    assert (
        "regions[0].kubernetes_version: must be a Kubernetes minor in the supported-versions table (1.36); got '1.33'"
    ) in caught.value.lines
