"""Velero in every cluster, read from the plan and joined the way the clouds join it: the release's backup
location is the region's Velero bucket in its backup region (same residency zone); the identity its server
account carries is the one whose grants name exactly that bucket (and its key); the schedules are the
configured ones and cover the namespace the AI cache service runs in; dr-report reads its RPO from them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from foundation.catalog import residency_of
from foundation.config import Cloud
from foundation.config.versions import VELERO_IMAGES, VELERO_PLUGIN_LINES
from foundation.cron import cron_interval_s
from foundation.images import ImageReference
from foundation.naming import CACHE_SERVICE, VELERO_NAMESPACE
from foundation.supply_chain import CHART_IMAGES, matches
from infra.dr_report import assess
from infra.offline.monitor import Registration
from infra.offline.plan import Plan
from tests.plan_helpers import by_output, provider_region
from tests.wiring.cluster import Cluster, clusters

S3_BUCKET = "aws:s3/bucket:Bucket"
GCS_BUCKET = "gcp:storage/bucket:Bucket"
IRSA = "eks.amazonaws.com/role-arn"
GKE_IDENTITY = "iam.gke.io/gcp-service-account"


def _location(cluster: Cluster) -> dict[str, Any]:
    (location,) = cluster.values("velero")["configuration"]["backupStorageLocation"]
    assert location["default"] is True
    return location


def _bucket(plan: Plan, cloud: Cloud, name: str) -> tuple[Registration, str]:
    """The bucket a location names, and the region it lives in."""
    if cloud is Cloud.AWS:
        (bucket,) = [b for b in plan.of_type(S3_BUCKET) if b.inputs["bucket"] == name]
        return bucket, provider_region(plan, bucket)
    (bucket,) = [b for b in plan.of_type(GCS_BUCKET) if b.inputs["name"] == name]
    return bucket, bucket.inputs["location"].lower()


def _server_account(cluster: Cluster) -> dict[str, Any]:
    return cluster.values("velero")["serviceAccount"]["server"]


def test_every_cluster_backs_up_to_its_velero_bucket_in_its_backup_region_and_zone(prod) -> None:
    platform, plan = prod
    regions = {r.id: r for r in platform.regions}
    found = clusters(plan, platform)
    assert set(found) == set(regions)
    for region_id, cluster in found.items():
        region = regions[region_id]
        release = cluster.releases["velero"]
        assert release["namespace"] == VELERO_NAMESPACE
        location = _location(cluster)
        assert location["provider"] == region.cloud.value
        _, bucket_region = _bucket(plan, region.cloud, location["bucket"])
        assert bucket_region == region.backup_region != region.id, f"{region_id}: backups leave the region"
        assert residency_of(region.cloud.value, bucket_region) == region.residency
        if region.cloud is Cloud.AWS:
            assert location["config"] == {"region": bucket_region}  # the plugin signs for the bucket's region
        assert cluster.values("velero")["snapshotsEnabled"] is False  # no PVCs: objects only


def _policy_statements(plan: Plan, role: Registration) -> list[dict[str, Any]]:
    (policy,) = [p for p in plan.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == role.outputs["id"]]
    attached = [a for a in plan.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")]
    assert not [a for a in attached if a.inputs["role"] == role.outputs["name"]], "no managed policy on top"
    return json.loads(policy.inputs["policy"])["Statement"]


def test_the_eks_server_account_assumes_the_role_granted_exactly_its_bucket_and_key(prod) -> None:
    platform, plan = prod
    for region in (r for r in platform.regions if r.cloud is Cloud.AWS):
        cluster = clusters(plan, platform)[region.id]
        account = _server_account(cluster)
        role = by_output(plan, "aws:iam/role:Role", "arn", account["annotations"][IRSA])
        (trust,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        subjects = [v for k, v in trust["Condition"]["StringEquals"].items() if k.endswith(":sub")]
        assert subjects == [f"system:serviceaccount:{VELERO_NAMESPACE}:{account['name']}"]
        bucket, _ = _bucket(plan, Cloud.AWS, _location(cluster)["bucket"])
        arn = bucket.outputs["arn"]
        (encryption,) = [
            e
            for e in plan.of_type(
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
            )
            if e.inputs["bucket"] == bucket.inputs["bucket"]
        ]
        key = encryption.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"]
        granted = {
            (action, resource)
            for s in _policy_statements(plan, role)
            for action in s["Action"]
            for resource in s["Resource"]
        }
        objects = {
            "s3:GetObject",
            "s3:PutObject",
            "s3:DeleteObject",
            "s3:AbortMultipartUpload",
            "s3:ListMultipartUploadParts",
        }
        assert granted == {
            *((action, f"{arn}/*") for action in objects),
            ("s3:ListBucket", arn),
            *((action, key) for action in ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")),
        }, f"{region.id}: the Velero role may touch more than its bucket and key"


def test_the_gke_server_account_acts_as_the_google_account_granted_exactly_its_bucket(prod) -> None:
    platform, plan = prod
    (region,) = [r for r in platform.regions if r.cloud is Cloud.GCP]
    cluster = clusters(plan, platform)[region.id]
    account = _server_account(cluster)
    email = account["annotations"][GKE_IDENTITY]
    location = _location(cluster)
    assert location["config"] == {"serviceAccount": email}  # signed download URLs are signed as that account
    google = by_output(plan, "gcp:serviceaccount/account:Account", "email", email)
    member = f"serviceAccount:{email}"
    bucket_grants = [g.inputs for g in plan.of_type("gcp:storage/bucketIAMMember:BucketIAMMember")]
    assert [g for g in bucket_grants if g["member"] == member] == [
        {"bucket": location["bucket"], "role": "roles/storage.objectAdmin", "member": member}
    ]
    # Grants on the account sit beside it (their serviceAccountId is the account's name, unknown in a preview).
    account_grants = [
        g.inputs for g in plan.of_type("gcp:serviceaccount/iAMMember:IAMMember") if g.parent == google.parent
    ]
    pool = f"{platform.gcp.project}.svc.id.goog"
    assert sorted((g["role"], g["member"]) for g in account_grants) == [
        ("roles/iam.serviceAccountTokenCreator", member),  # signBlob on itself only
        ("roles/iam.workloadIdentityUser", f"serviceAccount:{pool}[{VELERO_NAMESPACE}/{account['name']}]"),
    ]
    assert not [g for g in plan.of_type("gcp:projects/iAMMember:IAMMember") if g.inputs["member"] == member], (
        "no project-wide role"
    )


def test_the_schedules_are_the_configured_ones_and_cover_the_cache_service_s_namespace(prod) -> None:
    platform, plan = prod
    configured = platform.dr.backups.schedules
    for region_id, cluster in clusters(plan, platform).items():
        schedules = cluster.values("velero")["schedules"]
        assert {name: s["schedule"] for name, s in schedules.items()} == {s.name: s.cron for s in configured}
        assert {name: s["template"]["ttl"] for name, s in schedules.items()} == {
            s.name: f"{s.ttl_hours}h0m0s" for s in configured
        }
        cache = schedules["ai-cache"]["template"]
        (namespace,) = cache["includedNamespaces"]
        if platform.cache is not None:
            cluster.named_workload(namespace, CACHE_SERVICE)  # the cache service runs where the schedule looks
        rest = schedules["cluster"]["template"]
        assert rest["includedNamespaces"] == ["*"] and rest["excludedNamespaces"] == [namespace]
        assert all(s["template"]["storageLocation"] == _location(cluster)["name"] for s in schedules.values())
        assert cron_interval_s(schedules["ai-cache"]["schedule"]) == 900, region_id  # seed 002: every 15 minutes


def test_prod_dr_report_reads_cluster_state_rpo_from_the_schedules(prod, variant) -> None:
    platform, plan = prod
    slowest = max(cron_interval_s(s.cron) or 0 for s in platform.dr.backups.schedules)
    states = [a for a in assess(plan, platform) if a.data_class.value == "cluster_state"]
    assert len(states) == len(platform.regions)
    for state in states:
        assert state.rpo_s == slowest == 86400 and "Velero every 15 min, 24 h" in state.mechanism
        assert not state.met  # seed 002's RPO < 15 min holds for the cache namespace only, not the daily rest

    def every_six_hours(raw: dict[str, Any]) -> None:
        raw["dr"] = {
            "backups": {
                "schedules": [
                    {"name": "ai-cache", "scope": "cache", "cron": "*/15 * * * *"},
                    {"name": "cluster", "scope": "rest", "cron": "0 */6 * * *", "ttl_hours": 72},
                ]
            }
        }

    changed, changed_plan = variant("prod", every_six_hours)
    assert {a.rpo_s for a in assess(changed_plan, changed) if a.data_class.value == "cluster_state"} == {21600}


def test_velero_s_images_are_the_dated_pins_allowed_by_admission_and_compatible(prod) -> None:
    platform, plan = prod
    server = ImageReference.parse(VELERO_IMAGES["server"])
    minor = ".".join(server.tag.removeprefix("v").split(".")[:2])  # type: ignore[union-attr]
    for cluster in clusters(plan, platform).values():
        values = cluster.values("velero")
        images = [f"{values['image']['repository']}:{values['image']['tag']}"]
        images += [c["image"] for c in values["initContainers"]]
        assert images[0] == VELERO_IMAGES["server"]
        for image in images:
            assert any(matches(p, image) for p in CHART_IMAGES["velero"]), f"{image} is not allow-listed"
        (plugin,) = values["initContainers"]
        tag = ImageReference.parse(plugin["image"]).tag or ""
        assert tag.removeprefix("v").startswith(VELERO_PLUGIN_LINES[minor] + "."), f"{tag} is not for Velero {minor}"
        assert plugin["volumeMounts"] == [{"mountPath": "/target", "name": "plugins"}]


def test_the_restore_drill_names_the_schedules_the_chart_creates(prod) -> None:
    """The drill's `--from-schedule` names are the Schedules the chart renders (`<fullname>-<name>`, fullname
    `velero` for the release `velero`: charts/velero templates/schedule.yaml), with the configured crons."""
    platform, _ = prod
    drill = (Path(__file__).parents[2] / "docs" / "runbooks" / "drill-cluster-restore.md").read_text()
    named = set(re.findall(r"--from-schedule (\S+)", drill))
    expected = {f"velero-{s.name}" for s in platform.dr.backups.schedules}
    assert named == expected
    for schedule in platform.dr.backups.schedules:
        assert (
            f"`velero-{schedule.name}`" in drill
            and f"`{schedule.cron}`" in drill
            and f"{schedule.ttl_hours} h" in drill
        )
