"""The recovery-relevant settings of a plan, per region, read from the resources as registered (not from config):
S3 replication time control, GCS turbo replication, Redis snapshots and failover, the reconciler's schedule,
Route53 health checks and record TTLs, Velero schedules, and whether a cache tier exists."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from foundation.config import Cloud, PlatformConfig, Region
from foundation.crds import HELM_RELEASE
from foundation.cron import cron_interval_s
from foundation.naming import RECONCILER, regional_name
from infra.offline.monitor import Registration
from infra.offline.plan import Plan

# Memorystore for Redis persistenceConfig.rdbSnapshotPeriod values (cloud.google.com/memorystore/docs/redis/
# rdb-snapshots): the interval between RDB snapshots.
RDB_PERIODS_S = {"ONE_HOUR": 3600, "SIX_HOURS": 21600, "TWELVE_HOURS": 43200, "TWENTY_FOUR_HOURS": 86400}
CACHE_CLUSTERS = {  # the AI cache tier's cluster, by cloud (components/aws/cache.py, components/gcp/cache.py)
    Cloud.AWS: "aws:elasticache/replicationGroup:ReplicationGroup",
    Cloud.GCP: "gcp:redis/cluster:Cluster",
}
GLOBAL_DATASTORE = "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup"
VELERO_SCHEDULE = ("velero.io/v1", "Schedule")


@dataclass(frozen=True)
class RegionSettings:
    """What one region's plan says about losing and recovering data (None: the plan has no such mechanism)."""

    region: Region
    standby: tuple[str, ...]  # regions of the same residency zone that take its traffic
    failover_detection_s: int | None  # health-check interval x failure threshold + record TTL
    bucket_replication_s: int | None  # S3 RTC threshold, or GCS turbo replication's 15 min
    bucket_replication: str  # how the photo bucket is copied out of the region, in words
    redis_snapshot_every_s: int | None
    reconcile_every_s: int | None
    velero_every_s: tuple[int, ...]  # each Velero schedule's interval
    cache: tuple[str, ...] | None  # None: no cache tier; else the regions its cache replicates with (async)


def read_settings(plan: Plan, platform: PlatformConfig) -> list[RegionSettings]:
    """Every region's settings, in config order."""
    return [_region_settings(plan, platform, region) for region in platform.regions]


def _own(plan: Plan, region: Region, resource_type: str) -> list[Registration]:
    return [r for r in plan.of_type(resource_type) if r.name.startswith(f"{region.id}-")]


def _region_settings(plan: Plan, platform: PlatformConfig, region: Region) -> RegionSettings:
    replication_s, replication = _bucket_replication(plan, region)
    return RegionSettings(
        region=region,
        standby=region.failover_to,
        failover_detection_s=_failover_detection(plan, regional_name(platform.dns, region.id)),
        bucket_replication_s=replication_s,
        bucket_replication=replication,
        redis_snapshot_every_s=_redis_snapshots(plan, region),
        reconcile_every_s=_reconcile_every(plan, region),
        velero_every_s=tuple(
            every for schedule in _velero_schedules(plan, region) if (every := cron_interval_s(schedule)) is not None
        ),
        cache=_cache_partners(plan, region),
    )


def _kind(inputs: dict[str, Any]) -> tuple[str, str]:
    return inputs.get("apiVersion", ""), inputs.get("kind", "")


def _velero_schedules(plan: Plan, region: Region) -> list[str]:
    """Cron expressions of the region's Velero Schedules: Schedule objects, and the `schedules` values of a
    `velero` chart release (vmware-tanzu/helm-charts charts/velero values.yaml: name -> {schedule, template})."""
    found = [
        r.inputs["spec"]["schedule"]
        for r in plan.resources
        if r.name.startswith(f"{region.id}-") and _kind(r.inputs) == VELERO_SCHEDULE
    ]
    for release in _own(plan, region, HELM_RELEASE):
        if release.inputs.get("chart") == "velero":
            schedules = (release.inputs.get("values") or {}).get("schedules") or {}
            found += [s["schedule"] for s in schedules.values() if not s.get("disabled")]
    return found


def _failover_detection(plan: Plan, fqdn: str) -> int | None:
    """Route53 marks an endpoint unhealthy after `failureThreshold` failed checks `requestInterval` seconds apart
    (docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html);
    resolvers keep the old answer for the record's TTL."""
    checks = [r.inputs for r in plan.of_type("aws:route53/healthCheck:HealthCheck") if r.inputs.get("fqdn") == fqdn]
    if not checks:
        return None
    (check,) = checks
    ttls = [
        int(r.inputs["ttl"])
        for r in plan.of_type("aws:route53/record:Record")
        if r.inputs.get("records") == [fqdn] and r.inputs.get("healthCheckId")
    ]
    return int(check["requestInterval"]) * int(check["failureThreshold"]) + max(ttls, default=0)


def _bucket_replication(plan: Plan, region: Region) -> tuple[int | None, str]:
    """S3: Replication Time Control replicates 99.99 % of objects within its threshold (docs.aws.amazon.com/
    AmazonS3/latest/userguide/replication-time-control.html); without RTC there is no bound. GCS dual-region:
    turbo replication (`rpo: ASYNC_TURBO`) copies 100 % of new objects within 15 minutes, default replication
    within 12 hours (cloud.google.com/storage/docs/availability-durability)."""
    if region.cloud is Cloud.GCP:
        for bucket in _own(plan, region, "gcp:storage/bucket:Bucket"):
            if len((bucket.inputs.get("customPlacementConfig") or {}).get("dataLocations", [])) == 2:
                turbo = bucket.inputs.get("rpo") == "ASYNC_TURBO"
                return (900 if turbo else 43200), "dual-region bucket" + (" (turbo replication)" if turbo else "")
        return None, "no second location"
    for config in _own(plan, region, "aws:s3/bucketReplicationConfig:BucketReplicationConfig"):
        for rule in config.inputs.get("rules", []):
            rtc = rule.get("destination", {}).get("replicationTime") or {}
            if rule.get("status") == "Enabled" and rtc.get("status") == "Enabled":
                return int(rtc["time"]["minutes"]) * 60, f"S3 replication with RTC to {region.backup_region}"
        return None, f"S3 replication to {region.backup_region} without RTC (no time bound)"
    return None, "no replication"


def _redis_snapshots(plan: Plan, region: Region) -> int | None:
    for group in _own(plan, region, "aws:elasticache/replicationGroup:ReplicationGroup"):
        if int(group.inputs.get("snapshotRetentionLimit") or 0) > 0:
            return 86400  # one automatic snapshot a day, in snapshotWindow
    for instance in _own(plan, region, "gcp:redis/instance:Instance"):
        persistence = instance.inputs.get("persistenceConfig") or {}
        if persistence.get("persistenceMode") == "RDB":
            return RDB_PERIODS_S[persistence["rdbSnapshotPeriod"]]
    return None


def _reconcile_every(plan: Plan, region: Region) -> int | None:
    for cron_job in _own(plan, region, "kubernetes:batch/v1:CronJob"):
        if cron_job.inputs["metadata"]["name"] == RECONCILER:
            return cron_interval_s(cron_job.inputs["spec"]["schedule"])
    return None


def _cache_partners(plan: Plan, region: Region) -> tuple[str, ...] | None:
    """The regions the region's AI cache cluster replicates with, read from the plan's dependencies: on AWS the
    clusters of the Global Datastore it starts (the datastore depends on its primary) or joins (a secondary
    depends on the datastore); on GCP the clusters its cross-cluster replication names or that name it.
    None: the region has no cache tier."""
    clusters = [c for c in plan.of_type(CACHE_CLUSTERS[region.cloud]) if "-cache-" in c.name]
    owner = {c.urn: c.name.split("-cache-")[0] for c in clusters}
    own = {u for u, r in owner.items() if r == region.id}
    if not own:
        return None

    def linked(a: Registration, b: str) -> bool:
        return b in a.dependencies

    if region.cloud is Cloud.AWS:
        datastores = plan.of_type(GLOBAL_DATASTORE)
        joined = [
            d
            for d in datastores
            if any(linked(d, u) for u in own) or any(linked(c, d.urn) for c in clusters if c.urn in own)
        ]
        members = {c.urn for c in clusters for d in joined if linked(c, d.urn) or linked(d, c.urn)}
    else:
        members = {c.urn for c in clusters if any(linked(c, u) for u in own)}
        members |= {u for c in clusters if c.urn in own for u in c.dependencies if u in owner}
    return tuple(sorted({owner[u] for u in members} - {region.id}))
