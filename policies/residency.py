"""Data residency: no replication or backup destination outside the source's residency zone. A bucket tagged
(S3) or labelled (GCS) `backup-of: <region>` holds backups of that region (its photos, or its cluster's Velero
backups) and must lie in that region's zone."""

from __future__ import annotations

from pulumi_policy import PolicyResource, Severity, StackValidationArgs

from foundation.catalog import residency_of
from policies.build import Report, stack_policy
from policies.resources import S3_BUCKET, get, provider_region
from policies.storage import REPLICATION

GCS_BUCKET = "gcp:storage/bucket:Bucket"


def _destination_bucket(
    resources: list[PolicyResource], config: PolicyResource, arn: str | None
) -> PolicyResource | None:
    """The bucket a rule replicates to: by ARN when known, else the locked bucket under the same storage."""
    buckets = [r for r in resources if r.resource_type == S3_BUCKET]
    if arn:
        name = arn.removeprefix("arn:aws:s3:::")
        for bucket in buckets:
            if get(bucket.props, "bucket") == name:
                return bucket
    for bucket in buckets:
        grandparent = bucket.parent.parent if bucket.parent else None
        if (
            get(bucket.props, "objectLockEnabled") is True
            and grandparent
            and config.parent
            and grandparent.urn == config.parent.urn
        ):
            return bucket
    return None


def _source_bucket(resources: list[PolicyResource], config: PolicyResource) -> PolicyResource | None:
    name = get(config.props, "bucket")
    return next((r for r in resources if r.resource_type == S3_BUCKET and get(r.props, "bucket") == name), None)


def _zone(cloud: str, region: str | None) -> str | None:
    return residency_of(cloud, region) if region else None


BACKUP_OF = "backup-of"


def _backup_buckets(args: StackValidationArgs, report: Report) -> None:
    """Each backup bucket lies in the zone of the region it backs up."""
    for bucket in args.resources:
        if bucket.resource_type == S3_BUCKET:
            cloud, source, location = "aws", get(bucket.props, "tags", BACKUP_OF), provider_region(bucket)
        elif bucket.resource_type == GCS_BUCKET:
            cloud, source = "gcp", get(bucket.props, "labels", BACKUP_OF)
            location = str(get(bucket.props, "location", default="")).lower()
        else:
            continue
        if source and _zone(cloud, location) != _zone(cloud, source):
            report(
                f"backup bucket {get(bucket.props, 'bucket') or get(bucket.props, 'name')} of {source} "
                f"(zone {_zone(cloud, source)}) lies in {location} (zone {_zone(cloud, location)}): backups must "
                "stay in their zone",
                bucket.urn,
            )


def _check(args: StackValidationArgs, report: Report) -> None:
    _backup_buckets(args, report)
    for config in (r for r in args.resources if r.resource_type == REPLICATION):
        source = _source_bucket(args.resources, config)
        source_region = provider_region(source) if source else provider_region(config)
        source_zone = _zone("aws", source_region)
        for rule in get(config.props, "rules", default=[]):
            destination = _destination_bucket(args.resources, config, get(rule, "destination", "bucket"))
            destination_region = provider_region(destination) if destination else None
            destination_zone = _zone("aws", destination_region)
            if destination is None or destination_zone is None or source_zone is None:
                report(
                    f"cannot place the replication of {get(config.props, 'bucket')} in a residency zone "
                    f"({source_region} -> {destination_region})",
                    config.urn,
                )
            elif destination_zone != source_zone:
                report(
                    f"{get(config.props, 'bucket')} in {source_region} (zone {source_zone}) replicates to "
                    f"{destination_region} (zone {destination_zone}): photos must stay in their zone",
                    config.urn,
                )
    for bucket in (r for r in args.resources if r.resource_type == GCS_BUCKET):
        locations = [loc.lower() for loc in get(bucket.props, "customPlacementConfig", "dataLocations", default=[])]
        zones = {_zone("gcp", loc) for loc in locations}
        if len(zones) > 1 or None in zones:
            report(
                f"dual-region bucket spans {sorted(locations)}: both locations must share a residency zone", bucket.urn
            )


POLICIES = [
    stack_policy(
        "data-residency",
        "Backups and replicas of photos, and clusters' Velero backups, stay in the source's residency zone "
        "(us, eu, apac).",
        _check,
        "Set the region's backup_region to a region of the same residency zone.",
        severity=Severity.CRITICAL,
    )
]
