"""Where a GKE cluster's Velero keeps its backups: a CMEK-encrypted, versioned, never-public bucket in the
region's backup region (the same residency zone), and the Google service account Velero's server account acts
as through Workload Identity.

Grants, per velero-plugin-for-gcp README.md (v1.14.2, "Set permissions for Velero"): `roles/storage.objectAdmin`
on this bucket only (the README's `gsutil iam ch ...:objectAdmin gs://${BUCKET}`; it covers the
storage.objects.create/delete/get/list the README lists), and `iam.serviceAccounts.signBlob` on the account
itself (Token Creator), which `velero backup logs/describe` and `velero restore describe` need for signed URLs.
None of the README's compute.* permissions: no volume snapshots (components/kubernetes/velero.py). Deleted
objects stay recoverable for the tiers' backup_lock_days (soft delete). GCS serves only HTTPS, so no TLS-only
policy is needed; the key is used by the Cloud Storage service agent, not by Velero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.gcp.kms import storage_agent_key
from components.gcp.photo_storage import Condition, lifecycle_rule, protected_bucket
from components.gcp.workload_identity import workload_service_account
from components.options import child_opts, stateful_opts
from foundation.config import StorageTiers
from foundation.naming import VELERO_NAMESPACE, VELERO_SERVICE_ACCOUNT


@dataclass(frozen=True)
class GcsVeleroStorageArgs:
    """The project, the cluster, and the backup region the bucket lives in."""

    environment: str
    project: str
    region: str
    backup_region: str
    cluster_name: str
    tiers: StorageTiers
    labels: dict[str, str]
    protect: bool
    after: Sequence[pulumi.Resource] = ()  # the cluster (its identity pool) and the Cloud Storage API


class GcsVeleroStorage(pulumi.ComponentResource):
    """The Velero bucket of one cluster and the Google service account its server acts as."""

    bucket_name: pulumi.Output[str]
    service_account: pulumi.Output[str]

    def __init__(self, name: str, args: GcsVeleroStorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:gcp:VeleroStorage", name, None, opts)
        tiers = args.tiers
        key, key_use = storage_agent_key(
            name,
            key_ring_name=f"wedsync-{args.environment}-velero-{args.region}",
            key_name="velero",
            location=args.backup_region,
            project=args.project,
            labels=args.labels,
            parent=self,
            protect=args.protect,
            after=args.after,
        )
        bucket = gcp.storage.Bucket(
            f"{name}-bucket",
            name=f"wedsync-{args.environment}-velero-{args.region}-{args.project}"[:63],
            project=args.project,
            location=args.backup_region.upper(),
            **protected_bucket(key.id, tiers),
            lifecycle_rules=[
                lifecycle_rule(
                    "Delete", Condition(days_since_noncurrent_time=tiers.backup_noncurrent_versions_expire_after_days)
                ),
                lifecycle_rule(
                    "AbortIncompleteMultipartUpload", Condition(age=tiers.abort_incomplete_uploads_after_days)
                ),
            ],
            force_destroy=False,
            labels={**args.labels, "backup-of": args.region},  # the data-residency policy reads it
            opts=stateful_opts(self, args.protect, depends_on=[key_use]),
        )
        account = workload_service_account(
            f"{name}-server",
            self,
            project=args.project,
            cluster_name=args.cluster_name,
            role="velero",
            description="Velero server",
            kubernetes_account=f"{VELERO_NAMESPACE}/{VELERO_SERVICE_ACCOUNT}",
            after=list(args.after),
        )
        member = account.email.apply(lambda email: f"serviceAccount:{email}")
        gcp.storage.BucketIAMMember(
            f"{name}-server-objects",
            bucket=bucket.name,
            role="roles/storage.objectAdmin",
            member=member,
            opts=child_opts(self),
        )
        gcp.serviceaccount.IAMMember(
            f"{name}-server-signs-as-itself",
            service_account_id=account.name,
            role="roles/iam.serviceAccountTokenCreator",
            member=member,
            opts=child_opts(self),
        )
        self.bucket_name = bucket.name
        self.service_account = account.email
        self.register_outputs({"bucket_name": self.bucket_name, "service_account": self.service_account})
