"""Photo storage of an AWS region: the photo bucket, and its locked backup in the zone's backup region.

Replication is done the way S3 requires: versioning on both sides first, replication time control
with metrics, KMS-encrypted objects selected and re-encrypted with a key in the backup region. A
deletion never reaches the backup: delete markers are not replicated, the role may not replicate
deletes, and the backup bucket carries Object Lock in governance mode.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.cdn import AwsDelivery, AwsDeliveryArgs, cloudfront_decrypts, cloudfront_reads_variants
from components.aws.iam import service_trust_policy
from components.aws.kms import account_administers_key, create_kms_key
from components.aws.secure_bucket import LockedBackup, SecureBucket, SecureBucketArgs, Transition, locked_backup_bucket
from components.options import child_opts, stateful_opts
from foundation.config import StorageTiers
from foundation.config.delivery import DeliveryConfig
from foundation.iam_documents import policy_document
from foundation.tags import Tagging

REPLICATION_TIME_MINUTES = 15  # S3 Replication Time Control's SLA
BACKUP_STORAGE_CLASS = "GLACIER_IR"  # cheap, yet restorable in milliseconds


@dataclass(frozen=True)
class AwsPhotoStorageArgs:
    """Where the photos live and where their backup lives (a region of the same residency zone)."""

    environment: str
    region: str
    backup_region: str
    account_id: str
    tiers: StorageTiers
    tagging: Tagging
    protect: bool
    backup_provider: pulumi.ProviderResource
    delivery: DeliveryConfig | None = None  # a CDN in front of the photos prefix
    delivery_host: str = ""


def photo_bucket_name(environment: str, region: str, account_id: str, *, backup: bool = False) -> str:
    """Globally unique bucket names; the backup's names the region whose photos it holds."""
    kind = "photos-backup" if backup else "photos"
    return f"wedsync-{environment}-{kind}-{region}-{account_id}"


class AwsPhotoStorage(pulumi.ComponentResource):
    """The region's photo bucket, replicated to a locked bucket in the backup region."""

    bucket_name: pulumi.Output[str]
    bucket_arn: pulumi.Output[str]
    key_arn: pulumi.Output[str]
    backup_bucket_name: pulumi.Output[str]
    backup_bucket_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AwsPhotoStorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:aws:PhotoStorage", name, None, opts)
        tags = args.tagging.for_component("photo-storage")
        backup_tags = Tagging(args.tagging.environment, args.backup_region).for_component(
            "photo-backup", **{"backup-of": args.region}
        )
        tiers = args.tiers

        bucket_name = photo_bucket_name(args.environment, args.region, args.account_id)
        cdn = self._delivery(name, args, bucket_name, tags)
        key = create_kms_key(
            f"{name}-key",
            f"wedsync-{args.environment}-photos-{args.region}",
            f"wedsync photos ({args.region})",
            [account_administers_key(args.account_id), *([cloudfront_decrypts(args.account_id)] if cdn else [])],
            tags,
            stateful_opts(self, args.protect),
        )
        photos = SecureBucket(
            f"{name}-photos",
            SecureBucketArgs(
                bucket_name=bucket_name,
                key_arn=key.arn,
                transitions=(
                    Transition(tiers.infrequent_access_after_days, "STANDARD_IA"),
                    Transition(tiers.archive_after_days, "GLACIER_IR"),
                ),
                noncurrent_versions_expire_after_days=tiers.noncurrent_versions_expire_after_days,
                abort_incomplete_uploads_after_days=tiers.abort_incomplete_uploads_after_days,
                tags=tags,
                protect=args.protect,
                policy_grants=(
                    (lambda arn: cdn.distribution_arn.apply(lambda source: cloudfront_reads_variants(arn, source)))
                    if cdn
                    else None
                ),
            ),
            pulumi.ResourceOptions(parent=self),
        )
        backup_key, backup = locked_backup_bucket(
            f"{name}-backup",
            LockedBackup(
                bucket_name=photo_bucket_name(args.environment, args.region, args.account_id, backup=True),
                key_alias=f"wedsync-{args.environment}-photos-backup-{args.region}",
                key_description=f"wedsync photo backups of {args.region} ({args.backup_region})",
                account_id=args.account_id,
                tags=backup_tags,
            ),
            tiers,
            self,
            args.protect,
            args.backup_provider,
        )
        role = self._replication_role(name, args, tags, photos, key, backup, backup_key)
        aws.s3.BucketReplicationConfig(
            f"{name}-replication",
            bucket=photos.bucket_name,
            role=role.arn,
            rules=[
                aws.s3.BucketReplicationConfigRuleArgs(
                    id="backup-in-residency-zone",
                    status="Enabled",
                    priority=1,
                    filter=aws.s3.BucketReplicationConfigRuleFilterArgs(prefix=""),
                    delete_marker_replication=aws.s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(
                        status="Disabled"
                    ),
                    source_selection_criteria=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs(
                        sse_kms_encrypted_objects=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(
                            status="Enabled"
                        )
                    ),
                    destination=aws.s3.BucketReplicationConfigRuleDestinationArgs(
                        bucket=backup.bucket_arn,
                        storage_class=BACKUP_STORAGE_CLASS,
                        encryption_configuration=aws.s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                            replica_kms_key_id=backup_key.arn
                        ),
                        replication_time=aws.s3.BucketReplicationConfigRuleDestinationReplicationTimeArgs(
                            status="Enabled",
                            time=aws.s3.BucketReplicationConfigRuleDestinationReplicationTimeTimeArgs(
                                minutes=REPLICATION_TIME_MINUTES
                            ),
                        ),
                        metrics=aws.s3.BucketReplicationConfigRuleDestinationMetricsArgs(
                            status="Enabled",
                            event_threshold=aws.s3.BucketReplicationConfigRuleDestinationMetricsEventThresholdArgs(
                                minutes=REPLICATION_TIME_MINUTES
                            ),
                        ),
                    ),
                )
            ],
            opts=child_opts(self, depends_on=[photos.versioning, backup.versioning]),
        )

        self.bucket_name = photos.bucket_name
        self.bucket_arn = photos.bucket_arn
        self.key_arn = key.arn
        self.backup_bucket_name = backup.bucket_name
        self.backup_bucket_arn = backup.bucket_arn
        self.register_outputs(
            {
                "bucket_name": self.bucket_name,
                "bucket_arn": self.bucket_arn,
                "key_arn": self.key_arn,
                "backup_bucket_name": self.backup_bucket_name,
                "backup_bucket_arn": self.backup_bucket_arn,
            }
        )

    def _delivery(
        self, name: str, args: AwsPhotoStorageArgs, bucket_name: str, tags: dict[str, str]
    ) -> AwsDelivery | None:
        """CloudFront in front of the bucket, when the platform delivers through a CDN."""
        if args.delivery is None:
            return None
        return AwsDelivery(
            f"{name}-cdn",
            AwsDeliveryArgs(
                name=f"wedsync-{args.environment}-{args.region}",
                bucket_domain_name=f"{bucket_name}.s3.{args.region}.amazonaws.com",
                host=args.delivery_host,
                delivery=args.delivery,
                tags=tags,
            ),
            pulumi.ResourceOptions(parent=self),
        )

    def _replication_role(
        self,
        name: str,
        args: AwsPhotoStorageArgs,
        tags: dict[str, str],
        photos: SecureBucket,
        key: aws.kms.Key,
        backup: SecureBucket,
        backup_key: aws.kms.Key,
    ) -> aws.iam.Role:
        """A role that may read versions from the photo bucket and write (never delete) into the backup."""
        role = aws.iam.Role(
            f"{name}-replication",
            assume_role_policy=service_trust_policy("s3.amazonaws.com"),
            tags=tags,
            opts=child_opts(self),
        )

        def document(values: list[str]) -> str:
            source, source_key, destination, destination_key = values
            return policy_document(
                {
                    "Effect": "Allow",
                    "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                    "Resource": [source],
                },
                {
                    "Effect": "Allow",
                    "Action": [
                        "s3:GetObjectVersionForReplication",
                        "s3:GetObjectVersionAcl",
                        "s3:GetObjectVersionTagging",
                    ],
                    "Resource": [f"{source}/*"],
                },
                {
                    "Effect": "Allow",
                    "Action": ["s3:ReplicateObject", "s3:ReplicateTags"],
                    "Resource": [f"{destination}/*"],
                },
                {
                    "Effect": "Allow",
                    "Action": ["kms:Decrypt"],
                    "Resource": [source_key],
                    "Condition": {"StringEquals": {"kms:ViaService": f"s3.{args.region}.amazonaws.com"}},
                },
                {
                    "Effect": "Allow",
                    "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                    "Resource": [destination_key],
                    "Condition": {"StringEquals": {"kms:ViaService": f"s3.{args.backup_region}.amazonaws.com"}},
                },
            )

        aws.iam.RolePolicy(
            f"{name}-replication",
            role=role.id,
            policy=pulumi.Output.all(photos.bucket_arn, key.arn, backup.bucket_arn, backup_key.arn).apply(document),
            opts=child_opts(self),
        )
        return role
