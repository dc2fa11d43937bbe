"""Photo storage of a GCP region: a dual-region bucket with turbo replication inside the residency zone.

GCS's idiomatic backup: the bucket's two data locations are the region and its backup region (both
in the zone, validated by config), replicated within 15 minutes (turbo). Deletions are recoverable
for the configured lock period through the soft-delete policy, and versions are kept as on S3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_gcp as gcp

from components.gcp.kms import storage_agent_key
from components.options import stateful_opts
from foundation.catalog import gcp_multi_region
from foundation.config import StorageTiers

SECONDS_PER_DAY = 24 * 3600


@dataclass(frozen=True)
class GcsPhotoStorageArgs:
    """Where the photos live, their backup location, lifecycle and protection."""

    environment: str
    project: str
    region: str
    backup_region: str
    tiers: StorageTiers
    labels: dict[str, str]
    protect: bool
    storage_api: Sequence[pulumi.Resource] = ()  # the Cloud Storage API's enablement


Condition = gcp.storage.BucketLifecycleRuleConditionArgs


def protected_bucket(key_id: pulumi.Input[str], tiers: StorageTiers) -> dict[str, Any]:
    """The settings every bucket of ours takes: standard class, versions kept, encrypted with `key_id`, uniform
    access, never public, and deleted objects recoverable for the backup lock period (soft delete)."""
    return {
        "storage_class": "STANDARD",
        "versioning": gcp.storage.BucketVersioningArgs(enabled=True),
        "encryption": gcp.storage.BucketEncryptionArgs(default_kms_key_name=key_id),
        "uniform_bucket_level_access": True,
        "public_access_prevention": "enforced",
        "soft_delete_policy": gcp.storage.BucketSoftDeletePolicyArgs(
            retention_duration_seconds=tiers.backup_lock_days * SECONDS_PER_DAY
        ),
    }


def lifecycle_rule(
    action: str, condition: Condition, storage_class: str | None = None
) -> gcp.storage.BucketLifecycleRuleArgs:
    return gcp.storage.BucketLifecycleRuleArgs(
        action=gcp.storage.BucketLifecycleRuleActionArgs(type=action, storage_class=storage_class),
        condition=condition,
    )


class GcsPhotoStorage(pulumi.ComponentResource):
    """A CMEK-encrypted, versioned, never-public dual-region bucket with lifecycle tiers."""

    bucket_name: pulumi.Output[str]
    key_id: pulumi.Output[str]

    def __init__(self, name: str, args: GcsPhotoStorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:gcp:PhotoStorage", name, None, opts)
        multi_region = gcp_multi_region(args.region)
        if multi_region is None or gcp_multi_region(args.backup_region) != multi_region:
            raise ValueError(f"{args.region} and {args.backup_region} do not form a GCS dual-region")
        tiers = args.tiers

        key, key_use = storage_agent_key(
            name,
            key_ring_name=f"wedsync-{args.environment}-photos-{args.region}",
            key_name="photos",
            location=multi_region.lower(),
            project=args.project,
            labels=args.labels,
            parent=self,
            protect=args.protect,
            after=args.storage_api,
        )
        bucket = gcp.storage.Bucket(
            f"{name}-photos",
            name=f"wedsync-{args.environment}-photos-{args.region}-{args.project}"[:63],
            project=args.project,
            location=multi_region,
            custom_placement_config=gcp.storage.BucketCustomPlacementConfigArgs(
                data_locations=[args.region.upper(), args.backup_region.upper()]
            ),
            rpo="ASYNC_TURBO",
            **protected_bucket(key.id, tiers),
            lifecycle_rules=[
                lifecycle_rule(
                    "SetStorageClass",
                    Condition(age=tiers.infrequent_access_after_days, matches_storage_classes=["STANDARD"]),
                    "NEARLINE",
                ),
                lifecycle_rule(
                    "SetStorageClass",
                    Condition(age=tiers.archive_after_days, matches_storage_classes=["NEARLINE"]),
                    "ARCHIVE",
                ),
                lifecycle_rule(
                    "Delete", Condition(days_since_noncurrent_time=tiers.noncurrent_versions_expire_after_days)
                ),
                lifecycle_rule(
                    "AbortIncompleteMultipartUpload", Condition(age=tiers.abort_incomplete_uploads_after_days)
                ),
            ],
            force_destroy=False,
            labels=args.labels,
            opts=stateful_opts(self, args.protect, depends_on=[key_use]),
        )

        self.bucket_name = bucket.name
        self.key_id = key.id
        self.register_outputs({"bucket_name": self.bucket_name, "key_id": self.key_id})
