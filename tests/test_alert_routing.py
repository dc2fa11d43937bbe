"""Alert routing read from the plan: every alert links an existing runbook, every route names a receiver that
exists, the wedding-day escalation is the freeze's window in the season's months, inhibition matches labels the
alerts carry, and webhook URLs never appear in the plan in clear."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from components.kubernetes.alert_routing import PAGER, WEBHOOKS_SECRET, WEDDING_DAY
from foundation.calendar import WEEKDAYS, in_weekly_window
from foundation.config import PlatformConfig
from foundation.naming import MONITORING_NAMESPACE, PROMETHEUS_RELEASE
from policies.alerting import routes as routes_below
from tests.conftest import REPO, build_plan, shipped_raw, webhook_secrets
from tests.wiring.cluster import Cluster, clusters

RUNBOOKS = REPO / "docs" / "runbooks"


def _rules(cluster: Cluster) -> list[dict[str, Any]]:
    return [rule for r in cluster.of_kind("PrometheusRule") for group in r["spec"]["groups"] for rule in group["rules"]]


def _alertmanager(cluster: Cluster) -> dict[str, Any]:
    return cluster.values(PROMETHEUS_RELEASE)["alertmanager"]


def _matches(matchers: list[str], labels: dict[str, str]) -> bool:
    """Alertmanager matchers of the forms used here: name="value" and name=~"a|b" (anchored regex)."""
    for matcher in matchers:
        if '=~"' in matcher:
            name, pattern = matcher.split('=~"')
            if labels.get(name) not in pattern.rstrip('"').split("|"):
                return False
        else:
            name, value = matcher.split('="')
            if labels.get(name) != value.rstrip('"'):
                return False
    return True


def test_every_alert_links_a_runbook_file_that_exists(prod) -> None:
    platform, plan = prod
    base = platform.kubernetes.runbooks_url.rstrip("/") + "/"
    for region, cluster in clusters(plan, platform).items():
        rules = _rules(cluster)
        assert rules, region
        for rule in rules:
            url = rule["annotations"]["runbook_url"]
            assert url.startswith(base), (rule["alert"], url)
            path = RUNBOOKS / url.removeprefix(base)
            assert path.is_file(), f"{rule['alert']}: {path} is missing"
            assert rule["alert"] in path.read_text().splitlines()[0], f"{path} is not {rule['alert']}'s runbook"


def test_runbook_links_inside_the_runbooks_resolve() -> None:
    broken = [
        f"{page.name} -> {target}"
        for page in RUNBOOKS.glob("*.md")
        for target in _local_links(page.read_text())
        if not (RUNBOOKS / target).is_file()
    ]
    assert broken == []


def _local_links(text: str) -> list[str]:
    return [t for t in re.findall(r"\]\(([^)#]+\.md)\)", text) if "://" not in t]


def test_every_route_names_a_receiver_that_exists_and_every_alert_reaches_one(prod) -> None:
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        config = _alertmanager(cluster)["config"]
        receivers = {r["name"] for r in config["receivers"]}
        routes = list(routes_below(config["route"]))
        assert {r["receiver"] for r in routes} <= receivers, region
        intervals = {i["name"] for i in config["time_intervals"]}
        assert {name for r in routes for name in r.get("active_time_intervals", [])} <= intervals
        for rule in _rules(cluster):
            labels = {"alertname": rule["alert"], **rule["labels"]}
            first = next(r for r in config["route"]["routes"] if _matches(r["matchers"], labels))
            expected = PAGER if rule["labels"]["severity"] == "critical" else "chat"
            assert first["receiver"] == expected, (region, rule["alert"])
            assert set(config["route"]["group_by"]) <= set(labels), f"{rule['alert']} lacks a grouping label"


def _interval_active(interval: dict[str, Any], instant: datetime) -> bool:
    """Alertmanager's time_interval semantics (timeinterval.go ContainsTime): every listed field matches, in
    the interval's `location`; end_time is exclusive."""
    local = instant.astimezone(ZoneInfo(interval["location"]))
    hhmm = local.strftime("%H:%M")
    return (
        WEEKDAYS[local.weekday()] in interval["weekdays"]
        and str(local.month) in interval["months"]
        and any(t["start_time"] <= hhmm < t["end_time"] for t in interval["times"])
    )


def _season_months(platform: PlatformConfig) -> set[int]:
    return {m for season in platform.alerting.escalation_seasons for m in platform.seasons.profile(season).months}


def test_the_wedding_day_escalation_is_the_freeze_window_in_the_seasons_months(prod) -> None:
    platform, plan = prod
    freeze = platform.freeze
    cluster = next(iter(clusters(plan, platform).values()))
    config = _alertmanager(cluster)["config"]
    (interval,) = next(i["time_intervals"] for i in config["time_intervals"] if i["name"] == WEDDING_DAY)
    assert interval["location"] == freeze.timezone
    assert {int(m) for m in interval["months"]} == _season_months(platform) == set(range(3, 11))
    # Sampled over a year, every hour: active exactly when the freeze is on and the month is in season.
    zone = ZoneInfo(freeze.timezone)
    for day in range(1, 366, 3):
        for hour in range(24):
            instant = datetime.fromordinal(datetime(2026, 1, 1).toordinal() + day - 1).replace(hour=hour, tzinfo=zone)
            frozen = in_weekly_window(instant, freeze.weekday, freeze.start, freeze.end, freeze.timezone)
            expected = frozen and instant.month in _season_months(platform)
            assert _interval_active(interval, instant) == expected, instant
    wedding, normal = [r for r in config["route"]["routes"] if r["receiver"] == PAGER]
    assert wedding["active_time_intervals"] == [WEDDING_DAY] and "active_time_intervals" not in normal
    assert _seconds(wedding["group_wait"]) < _seconds(normal["group_wait"])
    assert _seconds(wedding["repeat_interval"]) < _seconds(normal["repeat_interval"])


def _seconds(duration: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    return int(duration[:-1]) * units[duration[-1]]


def test_the_escalation_follows_the_configured_seasons(variant) -> None:
    def only_peak(raw: dict[str, Any]) -> None:
        raw["alerting"] = {"escalation_seasons": ["peak"]}

    platform, plan = variant("staging", only_peak)
    cluster = next(iter(clusters(plan, platform).values()))
    (interval,) = _alertmanager(cluster)["config"]["time_intervals"][0]["time_intervals"]
    assert {int(m) for m in interval["months"]} == set(platform.seasons.peak.months)


def test_inhibition_mutes_alerts_the_rules_mark_as_symptoms_under_a_region_down_alert(prod) -> None:
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        rules = [{"alertname": r["alert"], **r["labels"]} for r in _rules(cluster)]
        (inhibit,) = _alertmanager(cluster)["config"]["inhibit_rules"]
        sources = [r for r in rules if _matches(inhibit["source_matchers"], r)]
        targets = [r for r in rules if _matches(inhibit["target_matchers"], r)]
        assert [s["alertname"] for s in sources] == ["RegionDown"], region
        assert not _matches(inhibit["target_matchers"], sources[0]), "the cause must not mute itself"
        assert {t["alertname"] for t in targets} >= {"PhotoQueueBacklog", "PhotoProcessingHighErrorRate"}
        assert all(label in s and label in t for s in sources for t in targets for label in inhibit.get("equal", []))


def test_webhook_urls_reach_alertmanager_through_a_mounted_secret_and_never_in_clear() -> None:
    platform, plan = build_plan(raw := shipped_raw("staging"), "staging", webhook_secrets(raw))
    dumped = json.dumps([r.inputs for r in plan.resources]) + json.dumps(plan.outputs)
    assert "s3cr3t" not in dumped
    for region, cluster in clusters(plan, platform).items():
        secret = cluster.named("Secret", WEBHOOKS_SECRET, MONITORING_NAMESPACE)
        assert secret["stringData"] == "[secret]", region  # the whole map travels as a Pulumi secret
        alertmanager = _alertmanager(cluster)
        assert WEBHOOKS_SECRET in alertmanager["alertmanagerSpec"]["secrets"]
        files = {
            hook["url_file"]
            for receiver in alertmanager["config"]["receivers"]
            for hook in receiver.get("webhook_configs", [])
        }
        # prometheus-operator mounts each `secrets` entry at /etc/alertmanager/secrets/<name> (api.md,
        # AlertmanagerSpec.secrets); one file per receiver.
        assert {f.rsplit("/", 1)[0] for f in files} == {f"/etc/alertmanager/secrets/{WEBHOOKS_SECRET}"}, region
        assert len(files) == 2, region


def test_without_webhook_secrets_no_secret_is_mounted(staging) -> None:
    platform, plan = staging
    cluster = next(iter(clusters(plan, platform).values()))
    assert not [s for s in cluster.of_kind("Secret") if s["metadata"]["name"] == WEBHOOKS_SECRET]
    alertmanager = _alertmanager(cluster)
    assert alertmanager["alertmanagerSpec"]["secrets"] == []
    assert not [r for r in alertmanager["config"]["receivers"] if r.get("webhook_configs")]


def test_every_runbook_file_is_linked_by_an_alert_or_the_index() -> None:
    index = (RUNBOOKS / "README.md").read_text()
    orphans = [p.name for p in RUNBOOKS.glob("*.md") if p.name != "README.md" and f"({p.name})" not in index]
    assert orphans == []
    assert Path(RUNBOOKS / "README.md").is_file()
