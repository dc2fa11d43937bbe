"""Alerts on Velero's backups: a schedule whose last successful backup is older than its own interval allows,
and any backup that failed. Without them a backup outage is found at restore time.

Velero's metrics (velero-io/velero pkg/metrics/metrics.go and pkg/controller/backup_controller.go at tag v1.18.1,
the newest 1.18 tag in the mirror read; the server runs v1.18.2): gauge `velero_backup_last_successful_timestamp`
and counters `velero_backup_failure_total`, `velero_backup_partial_failure_total`,
`velero_backup_validation_failure_total`, each labelled `schedule` with the Schedule's name (a backup's
`velero.io/schedule-name` label). The server recomputes the timestamp from the Backup objects every minute
(`backupResyncPeriod`), so it survives restarts; a schedule never backed up has no such series, and a server that
is down is not scraped: hence `absent_over_time`, so that both read as stale. Upstream main after v1.18.1 adds
`velero_schedule_expected_interval_seconds`; not relied on: the bound comes from the cron in config, so the
alert and the Schedule cannot disagree. Scraped through the chart's own ServiceMonitor (velero.py,
`metrics.serviceMonitor`).
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.monitoring import Alert, prometheus_rule
from components.kubernetes.velero import schedule_object_name
from foundation.config.backups import BackupSchedule, BackupScope, ClusterBackups
from foundation.crds import VELERO_RELEASE
from foundation.naming import VELERO_NAMESPACE

LAST_SUCCESS = "velero_backup_last_successful_timestamp"
FAILURES = (
    "velero_backup_failure_total",
    "velero_backup_partial_failure_total",
    "velero_backup_validation_failure_total",
)
FAILURE_WINDOW = "1h"
# How long past its interval a schedule may go without a successful backup: one missed run where runs are
# frequent, but at most 2 h (a daily schedule is reported the morning after a missed run, not two days later),
# plus 5 min for the backup to run, the one-minute resync and a 30 s scrape.
MISSED_RUN_CAP_S = 2 * 3600
RUN_MARGIN_S = 5 * 60


def stale_after_s(schedule: BackupSchedule) -> int:
    """Seconds since the schedule's last successful backup after which VeleroBackupStale fires."""
    return schedule.interval_s + min(schedule.interval_s, MISSED_RUN_CAP_S) + RUN_MARGIN_S


def prometheus_duration(seconds: int) -> str:
    """A Prometheus duration, e.g. 26h5m."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = "".join(f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "m"), (secs, "s")) if n)
    return text or "0s"


def stale_alert(schedule: BackupSchedule) -> Alert:
    """The schedule has no successful backup within its bound, or no timestamp at all for as long (never backed
    up, or the server unscraped). Critical for the cache's schedule: seed 002's RPO under 15 minutes is broken
    for as long as it fires. A warning for the others, whose daily RPO already leaves a day."""
    name, bound = schedule_object_name(schedule.name), stale_after_s(schedule)
    series, window = f'{LAST_SUCCESS}{{schedule="{name}"}}', prometheus_duration(bound)
    return Alert(
        "VeleroBackupStale",
        f"(time() - max by (schedule) (max_over_time({series}[{window}])) > {bound})"
        f" or absent_over_time({series}[{window}])",
        "0m",
        "critical" if schedule.scope is BackupScope.CACHE else "warning",
        VELERO_RELEASE,
        f"no successful Velero backup of schedule {name} (every {prometheus_duration(schedule.interval_s)})"
        f" for {window}",
    )


def failed_alert() -> Alert:
    """A backup of any schedule (or an ad-hoc one) failed, partly failed or failed validation. A warning: the
    next run may succeed, and if none does, VeleroBackupStale follows."""
    increases = " + ".join(f"increase({metric}[{FAILURE_WINDOW}])" for metric in FAILURES)
    return Alert(
        "VeleroBackupFailed",
        f"sum by (schedule) ({increases}) > 0",
        "0m",
        "warning",
        VELERO_RELEASE,
        f"a Velero backup failed or partly failed in the last {FAILURE_WINDOW}",
    )


def backup_alerts(backups: ClusterBackups) -> tuple[Alert, ...]:
    """A stale alert per configured schedule and one failure alert."""
    return (*(stale_alert(schedule) for schedule in backups.schedules), failed_alert())


def create_backup_alerts(
    name: str, alerts: tuple[Alert, ...], runbooks_url: str, opts: pulumi.ResourceOptions
) -> k8s.apiextensions.CustomResource:
    """The backup alerts' PrometheusRule, in Velero's namespace (the chart's release creates it)."""
    return prometheus_rule(name, "velero-backup-alerts", VELERO_NAMESPACE, "velero-backups", alerts, runbooks_url, opts)
