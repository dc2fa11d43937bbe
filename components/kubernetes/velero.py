"""Velero's chart values: the server with its cloud's object-store plugin, the region's Velero bucket as the
default backup location, the identity it reaches the bucket with, and the schedules from config.

Keys as in vmware-tanzu/helm-charts charts/velero/values.yaml at tag velero-12.1.0: `image`, `initContainers`
(a plugin copies itself into the `plugins` volume mounted at /target), `credentials.useSecret` (false: IRSA or
Workload Identity, no key file), `serviceAccount.server`, `configuration.backupStorageLocation`,
`snapshotsEnabled`, `containerSecurityContext`, `metrics.serviceMonitor` and `schedules` (name -> {schedule,
template}; templates/schedule.yaml names each Schedule `<fullname>-<name>`).

Velero backs up Kubernetes objects only here: no volume snapshots (no VolumeSnapshotLocation, no EC2 or
Compute permissions), because the platform runs no PersistentVolumeClaims (Prometheus keeps its data in an
emptyDir, every other store is a managed service or a bucket). The chart binds the server to cluster-admin
(`rbac.clusterAdministrator`, default true): restoring arbitrary objects needs it, and it is why the server
mounts its API token, like every other controller chart (KEDA, cert-manager, Argo Rollouts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from foundation.config import Cloud
from foundation.config.backups import BackupSchedule, BackupScope, ClusterBackups
from foundation.config.versions import VELERO_IMAGES
from foundation.crds import VELERO_RELEASE
from foundation.images import ImageReference, untagged
from foundation.naming import PROMETHEUS_SELECTOR, VELERO_SERVICE_ACCOUNT
from foundation.scheduling import SYSTEM_NODE_LABELS

BACKUP_LOCATION = "default"
# What upstream's own installer sets on the server container (velero-io/velero pkg/install/deployment.go,
# "clarify the security context to velero server", #10256). The root file system stays writable: the server
# writes each backup's tarball to a temporary file before uploading it.
CONTAINER_SECURITY = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}
EXCLUDED_RESOURCES = ["events", "events.events.k8s.io"]  # seed 002's Schedule: events are noise on restore


def schedule_object_name(schedule: str) -> str:
    """The Schedule the chart renders for a `schedules` entry: `<fullname>-<name>` (templates/schedule.yaml), and
    the fullname of the release `velero` of the chart `velero` is `velero` (templates/_helpers.tpl). Velero labels
    each backup `velero.io/schedule-name` with it, and its metrics carry it as `schedule`."""
    return f"{VELERO_RELEASE}-{schedule}"


@dataclass(frozen=True)
class VeleroArgs:
    """The region's Velero bucket, where it lives, and the identity the server reaches it with."""

    cloud: Cloud
    bucket: pulumi.Input[str]
    bucket_region: str  # the region's backup region, in its residency zone
    identity: Mapping[str, pulumi.Input[str]]  # the server account's IRSA or Workload Identity annotation
    gcp_service_account: pulumi.Input[str] | None = None  # GCS: the account Velero signs download URLs as


def _location_config(args: VeleroArgs) -> dict[str, pulumi.Input[str]]:
    """AWS: the bucket's region (velero-plugin-for-aws backupstoragelocation.md `region`). GCP: the Google
    service account to sign URLs as under Workload Identity (velero-plugin-for-gcp README, `serviceAccount`)."""
    if args.cloud is Cloud.AWS:
        return {"region": args.bucket_region}
    assert args.gcp_service_account is not None, "Velero on GCS signs download URLs as its own service account"
    return {"serviceAccount": args.gcp_service_account}


def schedule_values(backups: ClusterBackups, cache_namespace: str) -> dict[str, Any]:
    """The chart's `schedules`: a `cache` schedule backs up the cache service's namespace, a `rest` schedule
    every namespace the cache schedules leave out."""
    cached = [cache_namespace] if any(s.scope is BackupScope.CACHE for s in backups.schedules) else []

    def template(schedule: BackupSchedule) -> dict[str, Any]:
        scope = (
            {"includedNamespaces": [cache_namespace]}
            if schedule.scope is BackupScope.CACHE
            else {"includedNamespaces": ["*"], "excludedNamespaces": cached}
        )
        return {
            **scope,
            "excludedResources": EXCLUDED_RESOURCES,
            "snapshotVolumes": False,
            "storageLocation": BACKUP_LOCATION,
            "ttl": f"{schedule.ttl_hours}h0m0s",
        }

    return {s.name: {"schedule": s.cron, "template": template(s)} for s in backups.schedules}


def velero_values(args: VeleroArgs, backups: ClusterBackups, cache_namespace: str) -> dict[str, Any]:
    """The release's values for one cluster."""
    server = ImageReference.parse(VELERO_IMAGES["server"])
    plugin = VELERO_IMAGES[args.cloud.value]
    return {
        "image": {"repository": untagged(VELERO_IMAGES["server"]), "tag": server.tag},
        "initContainers": [
            {
                "name": f"velero-plugin-for-{args.cloud.value}",
                "image": plugin,
                "imagePullPolicy": "IfNotPresent",
                "volumeMounts": [{"mountPath": "/target", "name": "plugins"}],
                "securityContext": CONTAINER_SECURITY,
            }
        ],
        "containerSecurityContext": CONTAINER_SECURITY,
        "credentials": {"useSecret": False},
        "serviceAccount": {"server": {"name": VELERO_SERVICE_ACCOUNT, "annotations": dict(args.identity)}},
        "configuration": {
            "backupStorageLocation": [
                {
                    "name": BACKUP_LOCATION,
                    "provider": args.cloud.value,
                    "bucket": args.bucket,
                    "default": True,
                    "config": _location_config(args),
                }
            ],
        },
        "backupsEnabled": True,
        "snapshotsEnabled": False,
        "deployNodeAgent": False,
        "nodeSelector": SYSTEM_NODE_LABELS,
        "metrics": {"enabled": True, "serviceMonitor": {"enabled": True, "additionalLabels": PROMETHEUS_SELECTOR}},
        "schedules": schedule_values(backups, cache_namespace),
    }
