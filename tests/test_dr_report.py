"""dr-report computes from the plan: change a setting in the plan and the numbers and verdicts follow."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from foundation.config.dr import DataClass
from foundation.crds import HELM_RELEASE
from foundation.cron import cron_interval_s
from foundation.naming import regional_name
from infra.cli import main
from infra.dr_report import Assessment, assess
from infra.offline.monitor import Registration
from infra.offline.plan import Plan

HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"


def _edited(plan: Plan, resource_type: str, edit: Callable[[dict[str, Any]], None]) -> Plan:
    """The plan with `edit` applied to a copy of the inputs of every resource of one type."""
    resources = []
    for resource in plan.resources:
        if resource.type == resource_type:
            inputs = copy.deepcopy(resource.inputs)
            edit(inputs)
            resource = replace(resource, inputs=inputs)
        resources.append(resource)
    return Plan(plan.project, plan.stack, resources, plan.outputs)


def _without_velero(plan: Plan) -> Plan:
    """The plan as it was before Velero: no velero release in any cluster."""
    kept = [r for r in plan.resources if not (r.type == HELM_RELEASE and r.inputs.get("chart") == "velero")]
    return Plan(plan.project, plan.stack, kept, plan.outputs)


def _with_velero_schedule(plan: Plan, region: str, schedule: str) -> Plan:
    template = next(r for r in plan.resources if r.type == "kubernetes:batch/v1:CronJob" and r.name.startswith(region))
    inputs = {
        "apiVersion": "velero.io/v1",
        "kind": "Schedule",
        "metadata": {"name": "cache"},
        "spec": {"schedule": schedule},
    }
    velero: Registration = replace(template, name=f"{region}-velero-cache", urn=template.urn + "-velero", inputs=inputs)
    return Plan(plan.project, plan.stack, [*plan.resources, velero], plan.outputs)


def _with_velero_release(plan: Plan, region: str, schedules: dict[str, Any]) -> Plan:
    template = next(r for r in plan.resources if r.type == HELM_RELEASE and r.name.startswith(region))
    inputs = {"chart": "velero", "name": "velero", "values": {"schedules": schedules}}
    velero: Registration = replace(template, name=f"{region}-velero", urn=template.urn + "-velero", inputs=inputs)
    return Plan(plan.project, plan.stack, [*plan.resources, velero], plan.outputs)


def test_the_slowest_schedule_of_a_velero_release_is_the_cluster_state_rpo(prod) -> None:
    """Seed 002: the cache namespace every 15 minutes, the rest daily: the daily one bounds what a restore loses."""
    platform, plan = prod
    plan = _without_velero(plan)
    region = platform.primary.id
    cache = {"schedule": "*/15 * * * *", "template": {"includedNamespaces": ["cache"]}}
    rest = {"schedule": "0 2 * * *", "template": {"excludedNamespaces": ["cache"]}}
    both = _one(
        assess(_with_velero_release(plan, region, {"cache": cache, "rest": rest}), platform),
        region,
        DataClass.CLUSTER_STATE,
    )
    assert both.rpo_s == 86400 and not both.met
    rest_off = {"cache": cache, "rest": {**rest, "disabled": True}}
    cache_only = _one(assess(_with_velero_release(plan, region, rest_off), platform), region, DataClass.CLUSTER_STATE)
    assert cache_only.rpo_s == 900 and not cache_only.met  # seed 002's "< 15 min" is strict


def _one(assessments: list[Assessment], region: str, data_class: DataClass) -> Assessment:
    (found,) = [a for a in assessments if a.region == region and a.data_class is data_class]
    return found


def test_failover_time_is_the_plans_health_check_period_times_threshold_plus_ttl(prod) -> None:
    platform, plan = prod
    region = platform.primary
    fqdn = regional_name(platform.dns, region.id)
    (check,) = [r.inputs for r in plan.of_type(HEALTH_CHECK) if r.inputs["fqdn"] == fqdn]
    (record,) = [r.inputs for r in plan.of_type("aws:route53/record:Record") if r.inputs.get("records") == [fqdn]]
    expected = check["requestInterval"] * check["failureThreshold"] + record["ttl"]
    assert _one(assess(plan, platform), region.id, DataClass.CLUSTER_STATE).rto_s == expected == 150


def test_a_velero_schedule_meets_the_cluster_state_target_until_detection_gets_slower(prod) -> None:
    platform, plan = prod
    plan = _without_velero(plan)
    region = platform.primary.id
    before = _one(assess(plan, platform), region, DataClass.CLUSTER_STATE)
    assert not before.met and before.rpo_s is None and "no Velero schedule" in before.reason
    with_velero = _with_velero_schedule(plan, region, "*/10 * * * *")
    after = _one(assess(with_velero, platform), region, DataClass.CLUSTER_STATE)
    assert after.met and after.rpo_s == 600
    daily = _one(assess(_with_velero_schedule(plan, region, "0 3 * * *"), platform), region, DataClass.CLUSTER_STATE)
    assert not daily.met and daily.rpo_s == 86400

    def slow_checks(inputs: dict[str, Any]) -> None:
        inputs["requestInterval"] = 30
        inputs["failureThreshold"] = 10

    slow = _one(assess(_edited(with_velero, HEALTH_CHECK, slow_checks), platform), region, DataClass.CLUSTER_STATE)
    assert slow.rto_s == 30 * 10 + 60 and not slow.met


def test_photo_rpo_follows_the_replication_time_control_threshold(prod) -> None:
    platform, plan = prod
    region = platform.primary.id
    assert _one(assess(plan, platform), region, DataClass.PHOTOS).rpo_s == 15 * 60

    def no_rtc(inputs: dict[str, Any]) -> None:
        for rule in inputs["rules"]:
            rule["destination"]["replicationTime"]["status"] = "Disabled"

    without = assess(_edited(plan, REPLICATION, no_rtc), platform)
    photos = _one(without, region, DataClass.PHOTOS)
    assert photos.rpo_s is None and "without RTC" in photos.mechanism
    assert _one(without, region, DataClass.JOB_LEDGER).rpo_s is None  # the ledger lives in the same bucket


def test_photos_need_a_drill_on_aws_and_the_single_region_zone_has_no_standby(prod) -> None:
    platform, plan = prod
    assessments = assess(plan, platform)
    aws_photos = _one(assessments, platform.primary.id, DataClass.PHOTOS)
    assert aws_photos.rto_s is None and "drill-region-loss.md" in aws_photos.reason and not aws_photos.met
    (zone,) = platform.zones_without_failover()
    lonely = next(r for r in platform.regions if r.residency == zone)
    assert all(
        "no standby region" in a.reason
        for a in assessments
        if a.region == lonely.id and a.data_class in (DataClass.PHOTOS, DataClass.CLUSTER_STATE)
    )


def test_gcs_default_replication_is_twelve_hours_turbo_fifteen_minutes(prod) -> None:
    platform, plan = prod
    gcp = next(r for r in platform.regions if r.cloud.value == "gcp")
    assert _one(assess(plan, platform), gcp.id, DataClass.PHOTOS).rpo_s == 900
    default = _edited(plan, "gcp:storage/bucket:Bucket", lambda inputs: inputs.update(rpo="DEFAULT"))
    assert _one(assess(default, platform), gcp.id, DataClass.PHOTOS).rpo_s == 12 * 3600


def test_the_cache_replicas_are_read_from_the_plans_global_datastores(prod) -> None:
    platform, plan = prod
    assert platform.cache is not None
    replicated = {r for group in platform.cache.replication for r in (group.primary, *group.secondaries)}
    caches = {a.region: a for a in assess(plan, platform) if a.data_class is DataClass.CACHE}
    for group in platform.cache.replication:
        assert caches[group.primary].mechanism == f"async cross-region replica with {', '.join(group.secondaries)}"
        # Reads follow DNS failover; the lag of asynchronous replication has no published bound: no RPO.
        assert caches[group.primary].rto_s is not None and caches[group.primary].rpo_s is None
    for region, cache in caches.items():
        if region not in replicated:
            assert cache.mechanism == "in-region cluster only" and not cache.met


def test_a_secondary_that_leaves_its_datastore_is_reported_in_region_only(prod) -> None:
    platform, plan = prod
    assert platform.cache is not None
    group = next(g for g in platform.cache.replication if g.primary.startswith(("us-", "eu-")))
    datastore = f"{group.primary}-cache-global"
    resources = [
        replace(r, dependencies=[u for u in r.dependencies if not u.endswith(f"::{datastore}")])
        if r.name == f"{group.secondaries[0]}-cache-group"
        else r
        for r in plan.resources
    ]
    caches = {
        a.region: a
        for a in assess(Plan(plan.project, plan.stack, resources, plan.outputs), platform)
        if a.data_class is DataClass.CACHE
    }
    assert caches[group.secondaries[0]].mechanism == "in-region cluster only"


def test_without_a_cache_tier_the_report_says_so(prod) -> None:
    platform, plan = prod
    without = Plan(plan.project, plan.stack, [r for r in plan.resources if "-cache-" not in r.name], plan.outputs)
    caches = [a for a in assess(without, platform) if a.data_class is DataClass.CACHE]
    assert caches and all(not a.met and "no cache tier" in a.reason for a in caches)


@pytest.mark.parametrize(
    ("schedule", "seconds"),
    [
        ("*/15 * * * *", 900),
        ("@every 15m", 900),
        ("0 */6 * * *", 21600),
        ("30 2 * * *", 86400),
        ("*/7 * * * *", None),
        ("0 3 * * 1", None),
    ],
)
def test_cron_intervals(schedule: str, seconds: int | None) -> None:
    assert cron_interval_s(schedule) == seconds


@pytest.mark.slow
def test_the_cli_prints_one_row_per_region_and_class(capsys) -> None:
    assert main(["dr-report", "--stack", "prod"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["region", "data", "class"]
    assert len(out) == 1 + 5 * len(DataClass) + 1
    assert out[-1] == f"0 of {5 * len(DataClass)} targets met after a region loss."
