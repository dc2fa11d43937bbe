"""Photo storage and backups: nothing public, nothing unencrypted, nothing leaves its residency zone."""

from __future__ import annotations

import json

import pytest

from foundation.catalog import residency_of
from foundation.config import ConfigError, parse_platform_config
from tests.conftest import shipped_raw
from tests.plan_helpers import by_output, provider_region, sibling

S3_BUCKET = "aws:s3/bucket:Bucket"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
KMS_KEY = "aws:kms/key:Key"


def _s3_buckets(plan):
    """The photo and backup buckets (the audit trail's own bucket: tests/wiring/test_audit_trail.py)."""
    return [b for b in plan.of_type(S3_BUCKET) if b.inputs["bucket"].startswith("wedsync-prod-photos-")]


def _is_backup(bucket) -> bool:
    return bucket.inputs["bucket"].startswith("wedsync-prod-photos-backup-")


def test_every_photo_bucket_is_versioned_kms_encrypted_and_never_public(prod) -> None:
    _, plan = prod
    buckets = _s3_buckets(plan)
    assert len(buckets) == 8  # 4 AWS regions x (photos + backup)
    keys = {k.outputs["arn"]: k for k in plan.of_type(KMS_KEY)}
    for bucket in buckets:
        versioning = sibling(plan, bucket, "aws:s3/bucketVersioning:BucketVersioning")
        assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"

        (rule,) = sibling(
            plan, bucket, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
        ).inputs["rules"]
        default = rule["applyServerSideEncryptionByDefault"]
        assert default["sseAlgorithm"] == "aws:kms"
        assert rule["bucketKeyEnabled"] is True
        key = keys[default["kmsMasterKeyId"]]
        assert key.inputs["enableKeyRotation"] is True
        assert provider_region(plan, key) == provider_region(plan, bucket)

        block = sibling(plan, bucket, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
        assert all(
            block[k] is True
            for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
        )
        ownership = sibling(plan, bucket, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")
        assert ownership.inputs["rule"]["objectOwnership"] == "BucketOwnerEnforced"


def test_every_bucket_refuses_requests_without_tls(prod) -> None:
    _, plan = prod
    for bucket in _s3_buckets(plan):
        policy = json.loads(sibling(plan, bucket, "aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
        statement, *grants = policy["Statement"]  # grants: the CDN's read (tests/test_delivery.py)
        assert statement["Effect"] == "Deny"
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert f"{bucket.outputs['arn']}/*" in statement["Resource"]
        assert all(g["Principal"] != "*" and "Condition" in g for g in grants if g["Effect"] == "Allow")


def test_lifecycle_tiers_follow_config(prod) -> None:
    platform, plan = prod
    tiers = platform.storage
    for bucket in _s3_buckets(plan):
        lifecycle = sibling(plan, bucket, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
        (rule,) = lifecycle.inputs["rules"]
        assert rule["status"] == "Enabled"
        assert (
            rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"] == tiers.abort_incomplete_uploads_after_days
        )
        noncurrent = rule["noncurrentVersionExpiration"]["noncurrentDays"]
        if _is_backup(bucket):
            assert noncurrent == tiers.backup_noncurrent_versions_expire_after_days
            assert noncurrent > tiers.noncurrent_versions_expire_after_days
        else:
            assert noncurrent == tiers.noncurrent_versions_expire_after_days
            assert [(t["days"], t["storageClass"]) for t in rule["transitions"]] == [
                (tiers.infrequent_access_after_days, "STANDARD_IA"),
                (tiers.archive_after_days, "GLACIER_IR"),
            ]


def _replications(plan):
    """(replication config, source bucket, destination bucket) for every replication rule."""
    result = []
    for config in plan.of_type(REPLICATION):
        source = by_output(plan, S3_BUCKET, "bucket", config.inputs["bucket"])
        (rule,) = config.inputs["rules"]
        destination = by_output(plan, S3_BUCKET, "arn", rule["destination"]["bucket"])
        result.append((config, rule, source, destination))
    return result


def test_every_photo_bucket_replicates_inside_its_residency_zone(prod) -> None:
    platform, plan = prod
    replications = _replications(plan)
    sources = {source.urn for _, _, source, _ in replications}
    assert sources == {b.urn for b in _s3_buckets(plan) if not _is_backup(b)}
    backup_regions = {r.id: r.backup_region for r in platform.regions}
    for _, _, source, destination in replications:
        source_region, destination_region = provider_region(plan, source), provider_region(plan, destination)
        assert destination_region == backup_regions[source_region]
        assert destination_region != source_region
        assert residency_of("aws", destination_region) == residency_of("aws", source_region)


def test_eu_photos_never_replicate_outside_the_eu(prod) -> None:
    _, plan = prod
    eu_sources = [(s, d) for _, _, s, d in _replications(plan) if provider_region(plan, s).startswith("eu-")]
    assert len(eu_sources) == 2
    assert all(provider_region(plan, d).startswith("eu-") for _, d in eu_sources)


def test_replication_is_configured_the_way_s3_requires(prod) -> None:
    _, plan = prod
    for config, rule, source, destination in _replications(plan):
        source_versioning = sibling(plan, source, "aws:s3/bucketVersioning:BucketVersioning")
        destination_versioning = sibling(plan, destination, "aws:s3/bucketVersioning:BucketVersioning")
        assert {source_versioning.urn, destination_versioning.urn} <= set(config.dependencies)
        assert rule["status"] == "Enabled"
        target = rule["destination"]
        assert target["replicationTime"] == {"status": "Enabled", "time": {"minutes": 15}}
        assert target["metrics"] == {"status": "Enabled", "eventThreshold": {"minutes": 15}}
        assert rule["sourceSelectionCriteria"]["sseKmsEncryptedObjects"]["status"] == "Enabled"
        replica_key = by_output(plan, KMS_KEY, "arn", target["encryptionConfiguration"]["replicaKmsKeyId"])
        assert provider_region(plan, replica_key) == provider_region(plan, destination)


def test_replication_role_reads_the_source_and_writes_the_backup_but_never_deletes(prod) -> None:
    _, plan = prod
    for config, rule, source, destination in _replications(plan):
        role = by_output(plan, "aws:iam/role:Role", "arn", config.inputs["role"])
        policy = json.loads(sibling(plan, role, "aws:iam/rolePolicy:RolePolicy").inputs["policy"])
        grants = {
            (action, resource) for s in policy["Statement"] for action in s["Action"] for resource in s["Resource"]
        }
        source_key = by_output(
            plan,
            KMS_KEY,
            "arn",
            sibling(
                plan, source, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
            ).inputs["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"],
        )
        destination_key = rule["destination"]["encryptionConfiguration"]["replicaKmsKeyId"]
        assert ("kms:Decrypt", source_key.outputs["arn"]) in grants
        assert ("kms:Encrypt", destination_key) in grants
        assert ("s3:ReplicateObject", f"{destination.outputs['arn']}/*") in grants
        assert not any("Delete" in action for action, _ in grants)


def test_deletions_never_reach_the_backup(prod) -> None:
    platform, plan = prod
    for _, rule, _, destination in _replications(plan):
        assert rule["deleteMarkerReplication"] == {"status": "Disabled"}
        assert destination.inputs["objectLockEnabled"] is True
        lock = sibling(plan, destination, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
        assert lock.inputs["rule"]["defaultRetention"] == {
            "mode": "GOVERNANCE",
            "days": platform.storage.backup_lock_days,
        }


def test_backup_buckets_are_not_themselves_replicated(prod) -> None:
    _, plan = prod
    replicated = {source.urn for _, _, source, _ in _replications(plan)}
    assert not any(b.urn in replicated for b in _s3_buckets(plan) if _is_backup(b))


def test_gcs_photo_bucket_is_dual_region_in_its_zone_encrypted_and_never_public(prod) -> None:
    platform, plan = prod
    (bucket,) = [b for b in plan.of_type("gcp:storage/bucket:Bucket") if "customPlacementConfig" in b.inputs]
    inputs = bucket.inputs
    (region,) = [r for r in platform.regions if r.cloud.value == "gcp"]
    assert inputs["customPlacementConfig"]["dataLocations"] == [region.id.upper(), region.backup_region.upper()]
    assert all(residency_of("gcp", loc.lower()) == "apac" for loc in inputs["customPlacementConfig"]["dataLocations"])
    assert inputs["rpo"] == "ASYNC_TURBO"
    assert inputs["versioning"] == {"enabled": True}
    assert inputs["uniformBucketLevelAccess"] is True
    assert inputs["publicAccessPrevention"] == "enforced"
    assert inputs["softDeletePolicy"]["retentionDurationSeconds"] == platform.storage.backup_lock_days * 86400
    (key,) = [k for k in plan.of_type("gcp:kms/cryptoKey:CryptoKey") if k.inputs["name"] == "photos"]
    assert inputs["encryption"]["defaultKmsKeyName"] == key.outputs["id"]
    assert key.inputs["rotationPeriod"] == f"{90 * 86400}s"
    (grant,) = [
        g
        for g in plan.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")
        if "storage-agent" in g.name and g.parent == bucket.parent
    ]
    assert grant.inputs["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    assert grant.inputs["member"].endswith("@gs-project-accounts.iam.gserviceaccount.com")
    assert grant.urn in bucket.dependencies
    actions = [(r["action"]["type"], r["action"].get("storageClass")) for r in inputs["lifecycleRules"]]
    assert actions == [
        ("SetStorageClass", "NEARLINE"),
        ("SetStorageClass", "ARCHIVE"),
        ("Delete", None),
        ("AbortIncompleteMultipartUpload", None),
    ]


@pytest.mark.parametrize(
    ("backup", "message"),
    [
        ("australia-southeast1", "regions[4].backup_region: must form a GCS dual-region with asia-southeast1"),
        ("europe-west1", "regions[4].backup_region: must lie in residency zone 'apac' like asia-southeast1"),
    ],
)
def test_gcp_backup_must_share_the_zone_and_the_multi_region(backup: str, message: str) -> None:
    raw = shipped_raw("prod")
    raw["regions"][4]["backup_region"] = backup
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(raw)
    assert any(line.startswith(message) for line in caught.value.lines), caught.value.lines
