"""The audit trail, read from the plan and joined the way AWS and GCP join it: the trail records exactly the photo
and backup buckets, with a key and a bucket that let it write; logs are kept a year; the autoscaler may describe
only its own cluster's node groups; GKE's ingress holds a reserved address; created zones are signed and logged."""

from __future__ import annotations

import json
from fnmatch import fnmatch
from typing import Any

from foundation.audit import AUDIT_LOG_RETENTION_DAYS
from foundation.config import Cloud
from foundation.naming import GATEWAY_RELEASE
from infra.offline.monitor import Registration
from infra.offline.plan import Plan
from tests.plan_helpers import by_output, provider_region, sibling
from tests.wiring.cluster import clusters, top_level

TRAIL = "aws:cloudtrail/trail:Trail"
BUCKET = "aws:s3/bucket:Bucket"
KMS_KEY = "aws:kms/key:Key"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def _statements(document: str) -> list[dict[str, Any]]:
    return json.loads(document)["Statement"]


def _granted(document: str, principal: str, action: str) -> list[dict[str, Any]]:
    """The Allow statements of a policy giving a service principal an action."""
    return [
        s
        for s in _statements(document)
        if s["Effect"] == "Allow"
        and s.get("Principal", {}).get("Service") == principal
        and action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]


def _trail(plan: Plan) -> Registration:
    (trail,) = plan.of_type(TRAIL)
    return trail


def _trail_arn(platform, plan: Plan) -> str:
    """The trail's ARN as AWS forms it (the policies must name it before it exists)."""
    trail = _trail(plan)
    arn = f"arn:aws:cloudtrail:{provider_region(plan, trail)}:{platform.aws.account_id}:trail/{trail.inputs['name']}"
    assert trail.outputs["arn"] == arn
    return arn


AUDITED_STORAGE = ("wedsync:aws:PhotoStorage", "wedsync:aws:VeleroStorage")


def _audited_bucket_arns(plan: Plan) -> set[str]:
    """The ARNs of every bucket inside a photo-storage component (photos and their backups) or a Velero-storage
    component (cluster backups, which hold the clusters' Secrets)."""
    index = plan.by_urn()

    def in_audited_storage(resource: Registration) -> bool:
        while resource.parent in index:
            resource = index[resource.parent]
            if resource.type in AUDITED_STORAGE:
                return True
        return False

    return {b.outputs["arn"] for b in plan.of_type(BUCKET) if in_audited_storage(b)}


def test_the_trail_records_object_events_of_exactly_the_photo_backup_and_velero_buckets(prod, staging) -> None:
    for platform, plan in (prod, staging):
        aws_regions = [r for r in platform.regions if r.cloud is Cloud.AWS]
        buckets = _audited_bucket_arns(plan)
        assert len(buckets) == 3 * len(aws_regions), "a photo, a photo backup and a Velero bucket per AWS region"
        trail = _trail(plan).inputs
        assert (trail["isMultiRegionTrail"], trail["enableLogFileValidation"], trail["includeGlobalServiceEvents"]) == (
            True,
            True,
            True,
        )
        (data,) = [s for s in trail["advancedEventSelectors"] if s["fieldSelectors"][0]["equals"] == ["Data"]]
        fields = {f["field"]: f for f in data["fieldSelectors"]}
        assert fields["resources.type"]["equals"] == ["AWS::S3::Object"]
        assert set(fields["resources.ARN"]["startsWiths"]) == {f"{arn}/" for arn in buckets}
        assert any(
            s["fieldSelectors"] == [{"field": "eventCategory", "equals": ["Management"]}]
            for s in trail["advancedEventSelectors"]
        ), "management events stay recorded beside the data events"


def test_the_trails_key_lets_this_trail_encrypt(prod, staging) -> None:
    for platform, plan in (prod, staging):
        key = by_output(plan, KMS_KEY, "arn", _trail(plan).inputs["kmsKeyId"])
        (encrypt,) = _granted(key.inputs["policy"], "cloudtrail.amazonaws.com", "kms:GenerateDataKey*")
        assert encrypt["Condition"]["StringEquals"]["aws:SourceArn"] == _trail_arn(platform, plan)
        assert _granted(key.inputs["policy"], "cloudtrail.amazonaws.com", "kms:DescribeKey")


def test_the_trails_bucket_is_locked_a_year_private_tls_only_and_open_to_the_trail_alone(prod, staging) -> None:
    for platform, plan in (prod, staging):
        bucket = by_output(plan, BUCKET, "bucket", _trail(plan).inputs["s3BucketName"])
        arn, account = bucket.outputs["arn"], platform.aws.account_id
        assert bucket.inputs["objectLockEnabled"] is True
        lock = sibling(plan, bucket, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
        assert lock.inputs["rule"]["defaultRetention"]["days"] >= AUDIT_LOG_RETENTION_DAYS
        versioning = sibling(plan, bucket, "aws:s3/bucketVersioning:BucketVersioning")
        assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
        block = sibling(plan, bucket, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
        assert all(
            block[f] for f in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
        )
        (rule,) = sibling(plan, bucket, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs[
            "rules"
        ]
        assert (
            "expiration" not in rule
            and rule["noncurrentVersionExpiration"]["noncurrentDays"] >= AUDIT_LOG_RETENTION_DAYS
        )
        policy = sibling(plan, bucket, "aws:s3/bucketPolicy:BucketPolicy").inputs["policy"]
        assert any(
            s["Effect"] == "Deny" and s["Condition"]["Bool"]["aws:SecureTransport"] == "false"
            for s in _statements(policy)
        )
        (write,) = _granted(policy, "cloudtrail.amazonaws.com", "s3:PutObject")
        assert write["Resource"] == f"{arn}/AWSLogs/{account}/*"
        assert write["Condition"]["StringEquals"]["aws:SourceArn"] == _trail_arn(platform, plan)


def test_audit_and_flow_logs_are_kept_a_year(prod, staging) -> None:
    for _, plan in (prod, staging):
        groups = {g.inputs["name"]: g.inputs["retentionInDays"] for g in plan.of_type(LOG_GROUP)}
        assert any(n.endswith("/vpc-flow-logs") for n in groups) and any(n.endswith("/cluster") for n in groups)
        assert all(days >= AUDIT_LOG_RETENTION_DAYS for days in groups.values()), groups
    platform, plan = prod
    (bucket,) = plan.of_type("gcp:logging/projectBucketConfig:ProjectBucketConfig")
    assert (bucket.inputs["project"], bucket.inputs["bucketId"]) == (platform.gcp.project, "_Default")
    assert bucket.inputs["retentionDays"] >= AUDIT_LOG_RETENTION_DAYS  # Data Access and subnet flow logs land here


def test_gcp_records_data_access_to_storage_and_kms(prod) -> None:
    platform, plan = prod
    configs = {
        c.inputs["service"]: {t["logType"] for t in c.inputs["auditLogConfigs"]}
        for c in plan.of_type("gcp:projects/iAMAuditConfig:IAMAuditConfig")
        if c.inputs["project"] == platform.gcp.project
    }
    for service in ("storage.googleapis.com", "cloudkms.googleapis.com"):
        assert configs.get(service) == {"ADMIN_READ", "DATA_READ", "DATA_WRITE"}, service


def test_the_autoscaler_describes_only_its_own_clusters_node_groups(prod) -> None:
    platform, plan = prod
    owner = top_level(plan)
    groups = [
        (owner(g), g.inputs["clusterName"], g.inputs["nodeGroupName"])
        for g in plan.of_type("aws:eks/nodeGroup:NodeGroup")
    ]
    policies = [p for p in plan.of_type("aws:iam/rolePolicy:RolePolicy") if p.name.endswith("-cluster-autoscaler")]
    assert {owner(p) for p in policies} == {r.id for r in platform.regions if r.cloud is Cloud.AWS}
    for policy in policies:
        statements = _statements(policy.inputs["policy"])
        assert not any("eks:DescribeNodegroup" in s["Action"] and s["Resource"] == "*" for s in statements)
        (describe,) = [s for s in statements if "eks:DescribeNodegroup" in s["Action"]]
        for region, cluster, name in groups:
            arn = f"arn:aws:eks:{region}:{platform.aws.account_id}:nodegroup/{cluster}/{name}/0bc1a2d3-uuid"
            assert fnmatch(arn, describe["Resource"]) == (region == owner(policy)), (arn, describe["Resource"])


def test_the_gke_ingress_holds_a_reserved_regional_address(prod) -> None:
    platform, plan = prod
    by_region = clusters(plan, platform)
    owner = top_level(plan)
    for region in (r for r in platform.regions if r.cloud is Cloud.GCP):
        (address,) = [a for a in plan.of_type("gcp:compute/address:Address") if owner(a) == region.id]
        assert (address.inputs["region"], address.inputs["addressType"]) == (region.id, "EXTERNAL")
        service = by_region[region.id].values(GATEWAY_RELEASE)["service"]
        assert service["type"] == "LoadBalancer"
        assert service["annotations"]["networking.gke.io/load-balancer-ip-addresses"] == address.outputs["name"]


def test_gke_clusters_see_intranode_traffic(prod) -> None:
    _, plan = prod
    assert all(c.inputs["enableIntranodeVisibility"] is True for c in plan.of_type("gcp:container/cluster:Cluster"))


def test_created_zones_are_signed_with_a_us_east_1_p256_key_and_log_queries(staging) -> None:
    platform, plan = staging
    (zone,) = plan.of_type("aws:route53/zone:Zone")
    zone_id = zone.outputs["zoneId"]
    (ksk,) = [k for k in plan.of_type("aws:route53/keySigningKey:KeySigningKey") if k.inputs["hostedZoneId"] == zone_id]
    assert ksk.inputs["status"] == "ACTIVE"
    key = by_output(plan, KMS_KEY, "arn", ksk.inputs["keyManagementServiceArn"])
    assert (key.inputs["customerMasterKeySpec"], key.inputs["keyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
    assert provider_region(plan, key) == "us-east-1"
    assert _granted(key.inputs["policy"], "dnssec-route53.amazonaws.com", "kms:Sign")
    assert _granted(key.inputs["policy"], "dnssec-route53.amazonaws.com", "kms:CreateGrant")
    (signing,) = plan.of_type("aws:route53/hostedZoneDnsSec:HostedZoneDnsSec")
    assert (signing.inputs["hostedZoneId"], signing.inputs["signingStatus"]) == (zone_id, "SIGNING")

    (query_log,) = [q for q in plan.of_type("aws:route53/queryLog:QueryLog") if q.inputs["zoneId"] == zone_id]
    group = by_output(plan, LOG_GROUP, "arn", query_log.inputs["cloudwatchLogGroupArn"])
    assert provider_region(plan, group) == "us-east-1" and group.inputs["name"].startswith("/aws/route53/")
    (access,) = plan.of_type("aws:cloudwatch/logResourcePolicy:LogResourcePolicy")
    assert provider_region(plan, access) == "us-east-1"
    (write,) = _granted(access.inputs["policyDocument"], "route53.amazonaws.com", "logs:PutLogEvents")
    assert fnmatch(f"{group.outputs['arn']}:log-stream:x", write["Resource"])
    assert platform.dns.create_zone
