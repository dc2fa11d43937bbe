"""`python -m infra dr-report --stack prod`: the RPO and RTO the plan can deliver per data class after a region
is lost, held against the configured targets, with the mechanism that covers each class and why a target is
or is not met.

The scenario is the loss of one whole region. What recovers automatically is timed from the plan's own settings
(`infra.dr_settings`); what needs a person following a drill in docs/runbooks/ has no RTO the plan can promise,
and is reported as not met. Velero backs up Kubernetes objects only: not managed Redis, not bucket contents.
"""

from __future__ import annotations

from dataclasses import dataclass

from foundation.config import PlatformConfig
from foundation.config.dr import DataClass, RecoveryTarget
from infra.dr_settings import RegionSettings, read_settings
from infra.offline.plan import Plan

MANUAL = "restore by drill (docs/runbooks/drill-region-loss.md): no automatic recovery"


@dataclass(frozen=True)
class Assessment:
    """One data class in one region: what covers it, the RPO/RTO it achieves (None: no bound), the verdict."""

    region: str
    data_class: DataClass
    mechanism: str
    rpo_s: int | None
    rto_s: int | None
    target: RecoveryTarget
    reason: str

    @property
    def met(self) -> bool:
        return _within(self.rpo_s, self.target.rpo_minutes, self.target.strict) and _within(
            self.rto_s, self.target.rto_minutes, self.target.strict
        )


def _within(seconds: int | None, minutes: float, strict: bool) -> bool:
    if seconds is None:
        return False
    return seconds < minutes * 60 if strict else seconds <= minutes * 60


def assess(plan: Plan, platform: PlatformConfig) -> list[Assessment]:
    """Every data class of every region, in config order."""
    found = []
    for settings in read_settings(plan, platform):
        for data_class, (mechanism, rpo, rto, reason) in _classes(settings).items():
            target = platform.dr.target(data_class)
            found.append(Assessment(settings.region.id, data_class, mechanism, rpo, rto, target, reason))
    return found


def _serving_rto(s: RegionSettings) -> tuple[int | None, str]:
    """How long until a warm standby region of the same zone takes the traffic."""
    if not s.standby:
        return None, f"no standby region in zone {s.region.residency!r}: the zone is down until the region returns"
    if s.failover_detection_s is None:
        return None, "no health check: DNS never fails over"
    return s.failover_detection_s, f"DNS fails over to {', '.join(s.standby)} in {_fmt(s.failover_detection_s)}"


def _classes(s: RegionSettings) -> dict[DataClass, tuple[str, int | None, int | None, str]]:
    serving, serving_reason = _serving_rto(s)
    bucket_rpo = s.bucket_replication_s
    if s.region.cloud.value == "gcp":
        # A dual-region bucket keeps serving from its other location; the region's API still needs a standby.
        photos = (s.bucket_replication, bucket_rpo, serving if bucket_rpo else None, serving_reason)
    else:
        photos = (s.bucket_replication + ", versions, Object Lock backup", bucket_rpo, None, MANUAL)
    queue_reason = (
        f"Redis (snapshots every {_fmt(s.redis_snapshot_every_s)}, in-region only) is lost with the region; "
        f"the reconciler (every {_fmt(s.reconcile_every_s)}) re-queues accepted jobs from the ledger, but only "
        "the region's own"
    )
    velero_rpo = max(s.velero_every_s) if s.velero_every_s else None
    standby = "warm standby cluster declared by the program" if s.standby else "the program (no standby cluster)"
    every = ", ".join(_fmt(i) for i in sorted(set(s.velero_every_s)))
    cluster = (
        (
            f"{standby}; Velero every {every}",
            velero_rpo,
            serving,
            f"{serving_reason}; each Velero schedule covers its own namespaces, so the slowest ({_fmt(velero_rpo)}) "
            "bounds the RPO of the cluster's objects as a whole",
        )
        if velero_rpo
        else (
            standby,
            None,
            serving,
            f"{serving_reason}; objects made at run time are not backed up (no Velero schedule in the plan)",
        )
    )
    return {
        DataClass.PHOTOS: photos,
        DataClass.JOB_LEDGER: (f"in the photo bucket: {photos[0]}", photos[1], photos[2], photos[3]),
        DataClass.QUEUE: ("ledger + reconciler", bucket_rpo, None, queue_reason + f"; {MANUAL}"),
        DataClass.CACHE: _cache(s, serving, serving_reason),
        DataClass.CLUSTER_STATE: cluster,
    }


def _cache(s: RegionSettings, serving: int | None, serving_reason: str) -> tuple[str, int | None, int | None, str]:
    """The AI cache after a region loss. Replication (ElastiCache Global Datastore, Memorystore cross-region
    replicas) is asynchronous and neither cloud publishes a bound on its lag, so no RPO is promised; entries lost
    are misses that refill. Reads go on from the replica once traffic fails over; writes need the replica
    promoted by hand (`aws elasticache failover-global-replication-group`, docs/runbooks/drill-redis-loss.md)."""
    if s.cache is None:
        return "none", None, None, "no cache tier in the plan (Velero does not back up managed Redis)"
    if not s.cache:
        return "in-region cluster only", None, None, "the cache is lost with the region and refills from misses"
    partners = ", ".join(s.cache)
    return (
        f"async cross-region replica with {partners}",
        None,
        serving,
        f"reads continue from the replica ({serving_reason}); writes wait for a manual promotion; the replication "
        "lag has no published bound, so no RPO is promised (lost entries refill on miss)",
    )


def _fmt(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds / 60:g} min"


def _target_text(target: RecoveryTarget) -> str:
    bound = "<" if target.strict else "<="
    return f"RTO {bound} {target.rto_minutes:g} min, RPO {bound} {target.rpo_minutes:g} min"


def render(assessments: list[Assessment]) -> str:
    """A fixed-width table, one row per region and data class, and a count of targets met."""
    header = ("region", "data class", "mechanism", "RPO", "RTO", "target", "verdict", "why")
    rows = [
        (
            a.region,
            a.data_class.value,
            a.mechanism,
            _fmt(a.rpo_s),
            _fmt(a.rto_s),
            f"{_target_text(a.target)}, {a.target.source}",
            "met" if a.met else "NOT MET",
            a.reason,
        )
        for a in assessments
    ]
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header) - 1)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1]
        for row in (header, *rows)
    ]
    met = sum(a.met for a in assessments)
    lines.append(f"{met} of {len(assessments)} targets met after a region loss.")
    return "\n".join(lines)
