"""Every policy: the shipped stacks comply, and a tweaked resource, config or component violates it."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import datetime, time

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pytest

from components.aws.photo_storage import AwsPhotoStorage, AwsPhotoStorageArgs
from foundation.calendar import in_weekly_window
from foundation.config import StorageTiers
from foundation.policy_settings import settings_for
from foundation.tags import Tagging
from infra.offline.analyzer import PolicyPackProcess
from infra.offline.monitor import Registration
from infra.offline.plan import capture
from infra.offline.policy_check import PolicyReport, check_plan
from infra.policy_config import pack_config
from policies import ALL_POLICIES
from policies.kubernetes import IMAGE_DIGEST_POLICY
from policies.resources import STATEFUL_TYPES

Edit = Callable[[dict], None]


def _report(pack: PolicyPackProcess, platform, registrations: list[Registration], **overrides) -> PolicyReport:
    """The pack's findings through the analyzer protocol (the `policy_pack` fixture starts it once)."""
    settings = {**settings_for(platform), **overrides}
    return check_plan(pack, registrations, pack_config(settings), project="wedsync-platform", stack="prod")


def _violated(pack: PolicyPackProcess, platform, registrations: list[Registration], **overrides) -> dict[str, list]:
    """Messages per policy; images pinned by tag only are left to tests/test_policy_protocol.py (the shipped
    stacks pin by tag until `pin-images` runs, so a deploy config would flag them everywhere)."""
    result: dict[str, list[str]] = {}
    for violation in _report(pack, platform, registrations, **overrides).violations:
        if violation.policy != IMAGE_DIGEST_POLICY:
            result.setdefault(violation.policy, []).append(violation.message)
    return result


def _tweak(plan, resource_type: str, edit: Edit, *, name_contains: str = "") -> list[Registration]:
    """A copy of the plan's registrations with one resource of a type changed (its inputs and final outputs)."""
    registrations = copy.deepcopy(plan.resources)
    target = next(r for r in registrations if r.type == resource_type and name_contains in r.name)
    for properties in (target.inputs, target.outputs):  # what Analyze and AnalyzeStack each see
        if properties:
            edit(properties)
    return registrations


def test_shipped_stacks_pass_every_policy(policy_pack, prod, staging) -> None:
    for platform, plan in (prod, staging):
        assert _violated(policy_pack, platform, plan.resources) == {}


RESOURCE_TWEAKS: list[tuple[str, str, str, Edit]] = [
    (
        "s3-kms-encryption",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "",
        lambda p: p["rules"][0]["applyServerSideEncryptionByDefault"].update(sseAlgorithm="AES256"),
    ),
    (
        "s3-versioning",
        "aws:s3/bucketVersioning:BucketVersioning",
        "",
        lambda p: p["versioningConfiguration"].update(status="Suspended"),
    ),
    (
        "s3-public-access-blocked",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "",
        lambda p: p.update(restrictPublicBuckets=False),
    ),
    (
        "s3-tls-only",
        "aws:s3/bucketPolicy:BucketPolicy",
        "",
        lambda p: p.update(policy=json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]})),
    ),
    (
        "s3-lifecycle",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "",
        lambda p: p["rules"][0].pop("abortIncompleteMultipartUpload"),
    ),
    (
        "s3-photos-replicated",
        "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
        "",
        lambda p: p["rules"][0].update(status="Disabled"),
    ),
    ("gcs-locked-down", "gcp:storage/bucket:Bucket", "", lambda p: p.update(publicAccessPrevention="inherited")),
    (
        "eks-hardened",
        "aws:eks/cluster:Cluster",
        "",
        lambda p: p["vpcConfig"].update(endpointPublicAccess=True, publicAccessCidrs=["0.0.0.0/0"]),
    ),
    ("gke-hardened", "gcp:container/cluster:Cluster", "", lambda p: p.pop("workloadIdentityConfig")),
    ("gke-hardened", "gcp:container/cluster:Cluster", "", lambda p: p.pop("databaseEncryption")),
    ("gke-binary-authorization", "gcp:container/cluster:Cluster", "", lambda p: p.pop("binaryAuthorization")),
    (
        "gke-binary-authorization",
        "gcp:binaryauthorization/policy:Policy",
        "",
        lambda p: p["defaultAdmissionRule"].update(enforcementMode="DRYRUN_AUDIT_LOG_ONLY"),
    ),
    (
        "eks-image-signatures",
        "kubernetes:kyverno.io/v1:ClusterPolicy",
        "",
        lambda p: p["spec"]["rules"][0]["verifyImages"][0].update(failureAction="Audit"),
    ),
    ("kms-key-rotation", "aws:kms/key:Key", "", lambda p: p.update(enableKeyRotation=False)),
    ("kms-key-rotation", "gcp:kms/cryptoKey:CryptoKey", "storage-key", lambda p: p.pop("rotationPeriod")),
    ("gpu-nodes-tainted", "aws:eks/nodeGroup:NodeGroup", "gpu-l4-spot", lambda p: p.update(taints=[])),
    ("gpu-nodes-tainted", "gcp:container/nodePool:NodePool", "gpu-l4", lambda p: p["nodeConfig"].update(taints=[])),
    (
        "queue-pools-cpu-only",
        "aws:eks/nodeGroup:NodeGroup",
        "queue-pdf-analysis",
        lambda p: p.update(taints=[{"key": "dedicated", "value": "pdf", "effect": "NO_SCHEDULE"}]),
    ),
    (
        "queue-pools-cpu-only",
        "gcp:container/nodePool:NodePool",
        "queue-pdf-analysis",
        lambda p: p["nodeConfig"].update(taints=[{"key": "dedicated", "value": "pdf", "effect": "NO_SCHEDULE"}]),
    ),
    (
        "redis-encrypted-and-authenticated",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "",
        lambda p: p.update(transitEncryptionEnabled=False),
    ),
    ("redis-encrypted-and-authenticated", "gcp:redis/instance:Instance", "", lambda p: p.update(authEnabled=False)),
    (
        "redis-failover-in-prod",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "",
        lambda p: p.update(automaticFailoverEnabled=False),
    ),
    ("redis-failover-in-prod", "gcp:redis/instance:Instance", "", lambda p: p.update(tier="BASIC")),
    ("gke-hardened", "gcp:container/cluster:Cluster", "", lambda p: p.update(enableIntranodeVisibility=False)),
    ("audit-log-retention", "aws:cloudwatch/logGroup:LogGroup", "flow-logs", lambda p: p.update(retentionInDays=90)),
    (
        "audit-log-retention",
        "gcp:logging/projectBucketConfig:ProjectBucketConfig",
        "",
        lambda p: p.update(retentionDays=90),
    ),
    (
        "aws-audit-trail",
        "aws:cloudtrail/trail:Trail",
        "",
        lambda p: p["advancedEventSelectors"][1]["fieldSelectors"][2]["startsWiths"].pop(),
    ),
    ("aws-audit-trail", "aws:cloudtrail/trail:Trail", "", lambda p: p.update(enableLogFileValidation=False)),
    (
        "aws-audit-trail",
        "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
        "audit-trail",
        lambda p: p["rule"]["defaultRetention"].update(days=30),
    ),
    (
        "gcp-data-access-audit-logs",
        "gcp:projects/iAMAuditConfig:IAMAuditConfig",
        "storage",
        lambda p: p["auditLogConfigs"].pop(),
    ),
    (
        "iam-scoped-resources",
        "aws:iam/rolePolicy:RolePolicy",
        "cluster-autoscaler",
        lambda p: p.update(policy=json.dumps({"Statement": [{"Effect": "Allow", "Action": "eks:*", "Resource": "*"}]})),
    ),
    (
        "redis-encrypted-and-authenticated",
        "gcp:redis/cluster:Cluster",
        "",
        lambda p: p.update(authorizationMode="AUTH_MODE_DISABLED"),
    ),
    ("redis-failover-in-prod", "gcp:redis/cluster:Cluster", "", lambda p: p.update(replicaCount=0)),
    (  # a model service's HPA past what the GPU pools hold beside the photo worker's KEDA maximum
        "gpu-workloads-fit-gpu-pools",
        "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        "venue-analysis",
        lambda p: p["spec"].update(maxReplicas=40),
    ),
    (  # the cache service's HPA past the system pool (100 x 500m CPU on 8 x m6i.xlarge)
        "workloads-fit-cpu-pools",
        "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        "ai-cache-service",
        lambda p: p["spec"].update(maxReplicas=100),
    ),
    (  # the PDF worker's KEDA maximum past its own pool (asia-southeast1: 4 x e2-standard-8)
        "workloads-fit-cpu-pools",
        "kubernetes:keda.sh/v1alpha1:ScaledObject",
        "asia-southeast1-kubernetes-pdf-analysis",
        lambda p: p["spec"].update(maxReplicaCount=500),
    ),
    ("required-tags", "aws:ec2/vpc:Vpc", "", lambda p: p["tags"].pop("component")),
    ("required-tags", "gcp:storage/bucket:Bucket", "", lambda p: p["labels"].pop("environment")),
    # A Velero bucket outside the zone of the cluster it backs up (asia-southeast1's, moved to the EU).
    ("data-residency", "gcp:storage/bucket:Bucket", "velero", lambda p: p.update(location="EUROPE-WEST1")),
    # us-east-1's Velero bucket (in us-west-2) said to hold eu-west-1's backups.
    (
        "data-residency",
        "aws:s3/bucket:Bucket",
        "us-east-1-velero",
        lambda p: p["tags"].update({"backup-of": "eu-west-1"}),
    ),
]


@pytest.mark.parametrize(
    ("policy", "resource_type", "name_contains", "edit"),
    RESOURCE_TWEAKS,
    ids=[f"{policy}:{resource_type.split(':')[-1]}" for policy, resource_type, _, _ in RESOURCE_TWEAKS],
)
def test_each_policy_fires_on_a_tweaked_resource(policy_pack, prod, policy, resource_type, name_contains, edit) -> None:
    platform, plan = prod
    violated = _violated(policy_pack, platform, _tweak(plan, resource_type, edit, name_contains=name_contains))
    assert list(violated) == [policy]


def test_a_created_zone_unsigned_or_unlogged_is_blocked(policy_pack, staging) -> None:
    platform, plan = staging
    assert _violated(policy_pack, platform, plan.resources) == {}
    dropped = ("aws:route53/hostedZoneDnsSec:HostedZoneDnsSec", "aws:route53/queryLog:QueryLog")
    registrations = [r for r in plan.resources if r.type not in dropped]
    (message,) = _violated(policy_pack, platform, registrations)["route53-zone-dnssec-and-query-logs"]
    assert "DNSSEC signing is off" in message and "query logging is off" in message


def test_unprotected_state_in_prod_is_blocked(policy_pack, variant) -> None:
    platform, plan = variant("prod", lambda raw: raw.update(protect_stateful=False))
    messages = _violated(policy_pack, platform, plan.resources)["stateful-resources-protected"]
    assert len(messages) == sum(1 for r in plan.resources if r.type in STATEFUL_TYPES) > 30


def test_staging_may_leave_state_unprotected(policy_pack, staging) -> None:
    platform, plan = staging
    assert "stateful-resources-protected" not in _violated(policy_pack, platform, plan.resources)


def test_gpu_fleet_over_budget_is_blocked_and_names_a_pool(policy_pack, variant) -> None:
    platform, plan = variant("prod", lambda raw: raw.update(season="peak", budget={"gpu_hourly_usd": 50}))
    (message,) = _violated(policy_pack, platform, plan.resources)["gpu-budget"]
    assert "exceeds the budget of 50.00 $/h" in message
    assert _violated(policy_pack, platform, plan.resources, gpu_hourly_budget_usd=500) == {}


def test_queue_pools_over_budget_are_blocked_and_name_a_pool(policy_pack, variant) -> None:
    """Peak: 100 pdf-analysis pods, 6 a node, so 17 nodes in each of 5 regions (4 x m6i.2xlarge at 0.384 $/h,
    1 x e2-standard-8 at 0.3304 $/h): 31.73 $/h."""
    platform, plan = variant("prod", lambda raw: raw.update(season="peak", budget={"queue_pool_hourly_usd": 30}))
    (message,) = _violated(policy_pack, platform, plan.resources)["queue-pool-budget"]
    assert "worst-case queue-worker spend 31.73 $/h" in message and "exceeds the budget of 30.00 $/h" in message
    assert _violated(policy_pack, platform, plan.resources, queue_pool_hourly_budget_usd=32) == {}


def test_gpu_workloads_past_the_gpu_pools_name_the_cluster_and_every_count(policy_pack, prod) -> None:
    """us-east-1 off-season: 5 + 8 GPU nodes of one GPU each; the photo worker's KEDA cap is what the three model
    services' reservation (1 GPU each) leaves, so raising one HPA to 40 asks for 40 + 1 + 1 + 8 GPUs."""
    platform, plan = prod
    raised = _tweak(
        plan,
        "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        lambda p: p["spec"].update(maxReplicas=40),
        name_contains="us-east-1-kubernetes-workloads-venue-analysis",
    )
    (message,) = _violated(policy_pack, platform, raised)["gpu-workloads-fit-gpu-pools"]
    assert message.startswith("cluster wedsync-prod-us-east-1: GPU workloads at their maxima request 50 GPUs")
    assert "photography-ai/venue-analysis 40 x 1" in message and "photography-ai/gpu-worker 8 x 1" in message
    assert message.endswith("but its GPU pools hold 13 at their maxima")


def test_a_cpu_pool_too_small_for_its_workloads_names_the_pool_and_the_largest(policy_pack, prod) -> None:
    platform, plan = prod
    raised = _tweak(
        plan,
        "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
        lambda p: p["spec"].update(maxReplicas=100),
        name_contains="us-east-1-kubernetes-workloads-ai-cache-service",
    )
    (message,) = _violated(policy_pack, platform, raised)["workloads-fit-cpu-pools"]
    assert "cluster wedsync-prod-us-east-1" in message and "{'node-type': 'system'}" in message
    assert "of its 8 x m6i.xlarge" in message and "largest: photography-ai/ai-cache-service, 100 pods" in message


def _storage_program(backup_region: str) -> Callable[[], None]:
    def program() -> None:
        source = aws.Provider("aws-eu-west-1", region="eu-west-1")
        backup = aws.Provider(f"aws-{backup_region}", region=backup_region)
        AwsPhotoStorage(
            "eu-west-1-storage",
            AwsPhotoStorageArgs(
                "prod",
                "eu-west-1",
                backup_region,
                "222222222222",
                StorageTiers(),
                Tagging("prod", "eu-west-1"),
                True,
                backup,
            ),
            pulumi.ResourceOptions(provider=source),
        )

    return program


def test_eu_photos_replicating_to_the_us_violate_residency(policy_pack, prod) -> None:
    platform, _ = prod
    in_zone = capture(_storage_program("eu-central-1"), "prod", {}, "222222222222")
    assert set(_violated(policy_pack, platform, in_zone.resources)) == {"aws-audit-trail"}  # storage, and no trail
    to_us = capture(_storage_program("us-east-1"), "prod", {}, "222222222222")
    replication, backup = sorted(_violated(policy_pack, platform, to_us.resources)["data-residency"], reverse=True)
    assert "eu-west-1 (zone eu) replicates to us-east-1 (zone us)" in replication
    assert "of eu-west-1 (zone eu) lies in us-east-1 (zone us)" in backup  # the backup bucket itself


SATURDAY_AFTERNOON = datetime.fromisoformat("2026-06-13T15:00:00-04:00")
TUESDAY = datetime.fromisoformat("2026-06-16T15:00:00-04:00")


def test_a_prod_deploy_in_the_wedding_window_is_blocked_unless_overridden(policy_pack, prod_deployable) -> None:
    platform, plan = prod_deployable  # a deploy judges real values: the shipped placeholders would be refused
    frozen = _violated(policy_pack, platform, plan.resources, deploy=True, now=SATURDAY_AFTERNOON.isoformat())
    assert list(frozen) == ["change-freeze"]
    overridden = {"deploy": True, "now": SATURDAY_AFTERNOON.isoformat(), "freeze_override_reason": "INC-42 hotfix"}
    assert _violated(policy_pack, platform, plan.resources, **overridden) == {}
    assert _violated(policy_pack, platform, plan.resources, deploy=True, now=TUESDAY.isoformat()) == {}


def test_a_preview_in_the_window_only_gets_an_advisory(policy_pack, prod) -> None:
    platform, plan = prod
    violations = _report(policy_pack, platform, plan.resources, now=SATURDAY_AFTERNOON.isoformat()).violations
    assert {(v.policy, v.level) for v in violations if v.policy != IMAGE_DIGEST_POLICY} == {
        ("change-freeze-advisory", "advisory")
    }


def test_a_prod_deploy_whose_alerts_reach_nobody_is_refused(policy_pack, prod, staging) -> None:
    platform, plan = prod  # no webhook set: the preview warns, a deploy is refused
    (message,) = _violated(policy_pack, platform, plan.resources, deploy=True, now=TUESDAY.isoformat()).get(
        "alerts-reach-someone", []
    )[:1]
    assert "receivers chat, pager notify nobody" in message
    assert "alerts-reach-someone" not in _violated(policy_pack, platform, plan.resources, now=TUESDAY.isoformat())
    staging_platform, staging_plan = staging  # staging may deploy without a pager
    assert "alerts-reach-someone" not in _violated(
        policy_pack, staging_platform, staging_plan.resources, deploy=True, now=TUESDAY.isoformat()
    )


def test_a_webhook_file_of_an_unmounted_secret_is_refused(policy_pack, prod_deployable) -> None:
    platform, plan = prod_deployable

    def unmount(props: dict) -> None:
        props["values"]["alertmanager"]["alertmanagerSpec"]["secrets"] = []

    tweaked = _tweak(plan, "kubernetes:helm.sh/v3:Release", unmount, name_contains="kube-prometheus-stack")
    messages = _violated(policy_pack, platform, tweaked, deploy=True, now=TUESDAY.isoformat())["alerts-reach-someone"]
    assert {m.split(",")[0] for m in messages} == {
        "Alertmanager reads /etc/alertmanager/secrets/alertmanager-webhooks/pager-url",
        "Alertmanager reads /etc/alertmanager/secrets/alertmanager-webhooks/chat-url",
    }


def test_staging_deploys_are_never_frozen(policy_pack, staging_deployable) -> None:
    platform, plan = staging_deployable
    assert _violated(policy_pack, platform, plan.resources, deploy=True, now=SATURDAY_AFTERNOON.isoformat()) == {}


@pytest.mark.parametrize(
    ("instant", "timezone", "frozen"),
    [
        ("2026-06-13T09:59:59-04:00", "America/New_York", False),  # a second before the window
        ("2026-06-13T10:00:00-04:00", "America/New_York", True),  # opens
        ("2026-06-13T19:59:59-04:00", "America/New_York", True),
        ("2026-06-13T20:00:00-04:00", "America/New_York", False),  # closed
        ("2026-06-12T15:00:00-04:00", "America/New_York", False),  # a Friday
        ("2026-06-14T01:00:00+00:00", "America/New_York", False),  # Sunday in UTC, Saturday 21:00 EDT: closed
        ("2026-06-13T01:00:00+00:00", "America/New_York", False),  # Saturday in UTC, still Friday in New York
        ("2026-11-28T14:59:00+00:00", "America/New_York", False),  # 09:59 EST (winter time)
        ("2026-11-28T15:00:00+00:00", "America/New_York", True),  # 10:00 EST
        ("2026-06-13T09:30:00+00:00", "Europe/London", True),  # 10:30 BST
        ("2026-06-13T09:30:00+00:00", "Asia/Singapore", True),  # 17:30 SGT: the window on Singapore's clock
        ("2026-06-13T13:00:00+00:00", "Asia/Singapore", False),  # 21:00 SGT
    ],
)
def test_freeze_window_edges_and_time_zones(instant: str, timezone: str, frozen: bool) -> None:
    assert in_weekly_window(datetime.fromisoformat(instant), "saturday", time(10), time(20), timezone) is frozen


def _workload_program(
    *,
    image: str = "registry.example/wedsync/api:1.4.2",
    replicas: int = 2,
    run_as_non_root: bool = True,
    gpu: bool = False,
    tolerate: bool = True,
    probes: bool = True,
    default_deny: bool = True,
    budget: bool = True,
    token: bool = False,
) -> Callable[[], None]:
    def program() -> None:
        labels = {"app": "api"}
        resources = {"cpu": "500m", "memory": "512Mi", **({"nvidia.com/gpu": "1"} if gpu else {})}
        probe = k8s.core.v1.ProbeArgs(http_get=k8s.core.v1.HTTPGetActionArgs(path="/healthz", port=8080))
        container = k8s.core.v1.ContainerArgs(
            name="api",
            image=image,
            resources=k8s.core.v1.ResourceRequirementsArgs(requests=resources, limits=resources),
            liveness_probe=probe if probes else None,
            readiness_probe=probe if probes else None,
            security_context=k8s.core.v1.SecurityContextArgs(
                run_as_non_root=run_as_non_root,
                read_only_root_filesystem=True,
                allow_privilege_escalation=False,
                capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
            ),
        )
        tolerations = [k8s.core.v1.TolerationArgs(key="nvidia.com/gpu", operator="Exists", effect="NoSchedule")]
        k8s.apps.v1.Deployment(
            "api",
            metadata=k8s.meta.v1.ObjectMetaArgs(name="api", namespace="photography-ai"),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=replicas,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=labels),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=k8s.core.v1.PodSpecArgs(
                        automount_service_account_token=token,
                        containers=[container],
                        tolerations=tolerations if gpu and tolerate else None,
                    ),
                ),
            ),
        )
        if default_deny:
            k8s.networking.v1.NetworkPolicy(
                "default-deny",
                metadata=k8s.meta.v1.ObjectMetaArgs(name="default-deny", namespace="photography-ai"),
                spec=k8s.networking.v1.NetworkPolicySpecArgs(
                    pod_selector=k8s.meta.v1.LabelSelectorArgs(), policy_types=["Ingress", "Egress"]
                ),
            )
        if budget:
            k8s.policy.v1.PodDisruptionBudget(
                "api",
                metadata=k8s.meta.v1.ObjectMetaArgs(name="api", namespace="photography-ai"),
                spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                    min_available=1, selector=k8s.meta.v1.LabelSelectorArgs(match_labels=labels)
                ),
            )

    return program


WORKLOAD_CASES: list[tuple[str, dict[str, object]]] = [
    ("k8s-image-pinned", {"image": "registry.example/wedsync/api:latest"}),
    ("k8s-image-pinned", {"image": "registry.example/wedsync/api"}),
    ("k8s-probes", {"probes": False}),
    ("k8s-locked-down", {"run_as_non_root": False}),
    ("k8s-default-deny", {"default_deny": False}),
    ("k8s-disruption-budget", {"budget": False}),
    ("gpu-workloads-tolerate-taint", {"gpu": True, "tolerate": False}),
    ("k8s-no-service-account-token", {"token": True}),
]


def test_a_well_built_workload_passes(policy_pack, prod) -> None:
    platform, _ = prod
    for gpu in (False, True):
        plan = capture(_workload_program(gpu=gpu), "prod", {}, "222222222222")
        assert _violated(policy_pack, platform, plan.resources) == {}


@pytest.mark.parametrize(("policy", "change"), WORKLOAD_CASES, ids=[f"{p}:{next(iter(c))}" for p, c in WORKLOAD_CASES])
def test_each_workload_policy_fires(policy_pack, prod, policy: str, change: dict) -> None:
    platform, _ = prod
    plan = capture(_workload_program(**change), "prod", {}, "222222222222")
    assert list(_violated(policy_pack, platform, plan.resources)) == [policy]


def test_requests_and_limits_are_required(policy_pack, prod) -> None:
    platform, _ = prod
    plan = capture(_workload_program(), "prod", {}, "222222222222")
    registrations = _tweak(
        plan, "kubernetes:apps/v1:Deployment", lambda p: p["spec"]["template"]["spec"]["containers"][0].pop("resources")
    )
    assert list(_violated(policy_pack, platform, registrations)) == ["k8s-requests-and-limits"]


def test_a_single_replica_deployment_needs_no_budget(policy_pack, prod) -> None:
    platform, _ = prod
    plan = capture(_workload_program(replicas=1, budget=False), "prod", {}, "222222222222")
    assert _violated(policy_pack, platform, plan.resources) == {}


def test_every_policy_is_fully_described() -> None:
    for policy in ALL_POLICIES:
        assert policy.description and policy.enforcement_level and policy.severity and policy.remediation_steps
    tested = (
        {p for p, *_ in RESOURCE_TWEAKS}
        | {p for p, _ in WORKLOAD_CASES}
        | {
            "stateful-resources-protected",
            "gpu-budget",
            "queue-pool-budget",
            "data-residency",
            "change-freeze",
            "change-freeze-advisory",
            "k8s-requests-and-limits",
            "route53-zone-dnssec-and-query-logs",
            IMAGE_DIGEST_POLICY,  # tests/test_policy_protocol.py
            "no-placeholders",  # tests/test_placeholders.py
            "cache-residency",  # tests/test_cache_tier.py
            "alerts-reach-someone",
        }
    )
    assert {p.name for p in ALL_POLICIES} == tested  # every policy has a violating case above
