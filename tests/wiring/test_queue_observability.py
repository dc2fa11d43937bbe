"""Every config-defined queue worker, read from the plan: its pods run as a cloud identity whose rights are its own
bucket prefix and nothing else of the bucket, the port its PodMonitor scrapes is the one its container declares,
its alerts watch the stream, group and HPA its own scaler uses and reach a route, and the queue-workers dashboard
has a row for it on the same series."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.kubernetes.queue_monitoring import QUEUE_DASHBOARD
from foundation.config import PlatformConfig, QueueWorkload
from foundation.naming import GKE_WORKLOAD_IDENTITY_ANNOTATION, IRSA_ANNOTATION, WORKER
from tests.plan_helpers import by_output
from tests.wiring.cluster import Cluster, clusters
from tests.wiring.promql import selectors
from tests.wiring.test_scraping import exporter_streams

PHOTO_NS = "photography-ai"
SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
QUEUE_ALERTS = {
    "QueueWorkerBacklog",
    "QueueWorkerStalled",
    "QueueWorkerJobsOrphaned",
    "QueueWorkerAtMaxReplicas",
    "WorkerAutoscalerErrors",
    "WorkerCrashLooping",
}


def _enabled(platform: PlatformConfig) -> list[QueueWorkload]:
    workloads = [w for w in platform.queue_workers if w.enabled]
    assert workloads, "the shipped stacks enable a queue worker"
    return workloads


def _pod(cluster: Cluster, workload: QueueWorkload) -> dict[str, Any]:
    return cluster.named_workload(workload.namespace, workload.name)["spec"]["template"]


def _store(cluster: Cluster, workload: QueueWorkload) -> str:
    (container,) = _pod(cluster, workload)["spec"]["containers"]
    return next(e["value"] for e in container["env"] if e["name"] == "WEDSYNC_STORE")


def _account(cluster: Cluster, workload: QueueWorkload) -> dict[str, Any]:
    pod = _pod(cluster, workload)["spec"]
    account = cluster.named("ServiceAccount", pod["serviceAccountName"], workload.namespace)
    # No Kubernetes token: IRSA's webhook mounts its own token on the annotation alone, GKE asks the metadata
    # server (components/kubernetes/objects.py).
    assert pod["automountServiceAccountToken"] is False and account["automountServiceAccountToken"] is False
    return account


def _statements(policy: dict[str, Any]) -> dict[tuple[str, ...], dict[str, Any]]:
    return {tuple(sorted(s["Action"])): s for s in policy["Statement"]}


def test_on_aws_the_pods_role_grants_exactly_the_configured_prefix_of_the_store_they_are_given(prod) -> None:
    platform, plan = prod
    checked = 0
    for region in (r for r in platform.regions if r.cloud.value == "aws"):
        cluster = clusters(plan, platform)[region.id]
        for workload in _enabled(platform):
            account = _account(cluster, workload)
            role = by_output(plan, "aws:iam/role:Role", "arn", account["metadata"]["annotations"][IRSA_ANNOTATION])
            trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Condition"]["StringEquals"]
            subject = f"system:serviceaccount:{workload.namespace}:{account['metadata']['name']}"
            assert subject in trust.values(), region.id
            (inline,) = [
                json.loads(p.inputs["policy"])
                for p in plan.of_type("aws:iam/rolePolicy:RolePolicy")
                if p.inputs["role"] == role.outputs["name"]
            ]
            store = _store(cluster, workload)
            bucket, prefix = store.removeprefix("s3://").split("/", 1)
            assert prefix == workload.bucket_prefix, region.id
            bucket_arn = f"arn:aws:s3:::{bucket}"
            statements = _statements(inline)
            assert set(statements) == {
                ("s3:ListBucket",),
                ("s3:GetObject", "s3:PutObject"),
                ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"),
            }
            assert statements[("s3:GetObject", "s3:PutObject")]["Resource"] == [f"{bucket_arn}/{prefix}*"]
            listing = statements[("s3:ListBucket",)]
            assert listing["Resource"] == [bucket_arn]
            assert listing["Condition"] == {"StringLike": {"s3:prefix": [f"{prefix}*"]}}
            kms = statements[("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")]
            assert kms["Condition"] == {"StringEquals": {"kms:ViaService": f"s3.{region.id}.amazonaws.com"}}
            (key_arn,) = kms["Resource"]
            bucket_resource = by_output(plan, "aws:s3/bucket:Bucket", "arn", bucket_arn)
            (encryption,) = [  # the bucket's own key, not another's
                r for r in plan.of_type(SSE) if r.inputs["bucket"] == bucket_resource.outputs["bucket"]
            ]
            (rule,) = encryption.inputs["rules"]
            assert rule["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"] == key_arn, region.id
            checked += 1
    assert checked == 4 * len(_enabled(platform))


def test_on_gcp_the_pods_account_is_object_user_under_the_configured_prefix_only(prod) -> None:
    platform, plan = prod
    (region,) = [r for r in platform.regions if r.cloud.value == "gcp"]
    cluster = clusters(plan, platform)[region.id]
    for workload in _enabled(platform):
        account = _account(cluster, workload)
        email = account["metadata"]["annotations"][GKE_WORKLOAD_IDENTITY_ANNOTATION]
        google_account = by_output(plan, "gcp:serviceaccount/account:Account", "email", email)
        (binding,) = [
            b
            for b in plan.of_type("gcp:serviceaccount/iAMMember:IAMMember")
            if b.name == f"{google_account.name}-workload-identity"
        ]
        assert binding.inputs["member"].endswith(f".svc.id.goog[{workload.namespace}/{account['metadata']['name']}]")
        grants = [
            g
            for g in plan.of_type("gcp:storage/bucketIAMMember:BucketIAMMember")
            if g.inputs["member"] == f"serviceAccount:{email}"
        ]
        (grant,) = grants  # nothing else of the bucket
        bucket, prefix = _store(cluster, workload).removeprefix("gs://").split("/", 1)
        assert (grant.inputs["bucket"], prefix) == (bucket, workload.bucket_prefix)
        assert grant.inputs["role"] == "roles/storage.objectUser"
        # IAM Conditions apply only on buckets with uniform bucket-level access (no ACLs around them).
        google_bucket = by_output(plan, "gcp:storage/bucket:Bucket", "name", bucket)
        assert google_bucket.inputs["uniformBucketLevelAccess"] is True
        expression = grant.inputs["condition"]["expression"]
        assert expression == (
            f'resource.name.startsWith("projects/_/buckets/{bucket}/objects/{prefix}") || '
            f'api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("{prefix}")'
        )


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_the_pod_monitor_scrapes_the_port_and_path_the_config_and_container_declare(stack, request) -> None:
    platform, plan = request.getfixturevalue(stack)
    for region, cluster in clusters(plan, platform).items():
        for workload in _enabled(platform):
            monitor = cluster.named("PodMonitor", workload.name, workload.namespace)["spec"]
            pod = _pod(cluster, workload)
            assert monitor["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items(), region
            (endpoint,) = monitor["podMetricsEndpoints"]
            ports = {p["name"]: p["containerPort"] for c in pod["spec"]["containers"] for p in c.get("ports", [])}
            assert ports[endpoint["port"]] == workload.metrics.port, region
            assert endpoint["path"] == workload.metrics.path, region


def _rules(cluster: Cluster, namespace: str) -> list[dict[str, Any]]:
    return [
        r for rule in cluster.of_kind("PrometheusRule", namespace) for g in rule["spec"]["groups"] for r in g["rules"]
    ]


def _scaler(cluster: Cluster, namespace: str, name: str) -> tuple[set[tuple[str, str]], str]:
    """The (stream, group) pairs a ScaledObject's triggers read, and the HPA KEDA makes of it (`keda-hpa-<name>`,
    keda.sh docs, concepts/scaling-deployments)."""
    scaled = cluster.named("ScaledObject", name, namespace)
    pairs = {
        (t["metadata"]["stream"], t["metadata"]["consumerGroup"])
        for t in scaled["spec"]["triggers"]
        if t["type"] == "redis-streams"
    }
    return pairs, f"keda-hpa-{scaled['metadata']['name']}"


def _watches_its_own_queue(cluster: Cluster, namespace: str, workload: str, expressions: list[str]) -> None:
    """Every stream/group and HPA an expression matches is the one the workload's own ScaledObject uses, and the
    Redis exporter reports that stream."""
    pairs, hpa = _scaler(cluster, namespace, workload)
    found = [s.labels for expr in expressions for s in selectors(expr)]
    streams = {(labels["stream"], labels["group"]) for labels in found if "stream" in labels}
    hpas = {
        (labels["namespace"], labels["horizontalpodautoscaler"])
        for labels in found
        if "horizontalpodautoscaler" in labels
    }
    assert streams and streams <= pairs, (workload, streams, pairs)
    assert hpas == {(namespace, hpa)}, workload
    assert {stream for stream, _ in streams} <= exporter_streams(cluster)


def test_each_queue_worker_has_the_generic_alerts_on_its_own_queue(prod) -> None:
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        for workload in _enabled(platform):
            rules = _rules(cluster, workload.namespace)
            assert {r["alert"] for r in rules} == QUEUE_ALERTS, region
            assert {r["labels"]["workload"] for r in rules} == {workload.name}
            _watches_its_own_queue(cluster, workload.namespace, workload.name, [r["expr"] for r in rules])
            backlog = next(r for r in rules if r["alert"] == "QueueWorkerBacklog")
            assert backlog["expr"].endswith(f"> {workload.alerts.backlog_jobs}")
            assert backlog["for"] == f"{workload.alerts.backlog_minutes}m"
            orphaned = next(r for r in rules if r["alert"] == "QueueWorkerJobsOrphaned")
            assert orphaned["expr"].endswith(f"> {workload.alerts.orphaned_minutes * 60}")  # idle is in seconds


def test_the_gpu_worker_has_the_flow_alerts_on_its_own_queue(prod) -> None:
    """The photo worker is a queue worker too: its stall and at-maximum alerts read its own stream and HPA."""
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        rules = [r for r in _rules(cluster, PHOTO_NS) if r["labels"]["workload"] == WORKER]
        flow = {"QueueWorkerStalled", "QueueWorkerJobsOrphaned", "QueueWorkerAtMaxReplicas"}
        assert flow <= {r["alert"] for r in rules}, region
        _watches_its_own_queue(cluster, PHOTO_NS, WORKER, [r["expr"] for r in rules])


def test_queue_worker_alerts_are_routed_by_severity_and_grouped_by_workload(prod) -> None:
    """Alertmanager's routes match on severity and group by workload (components/kubernetes/alert_routing.py):
    each alert's severity has a route of its own (beyond the catch-all) and it carries every grouping label."""
    platform, plan = prod
    cluster = next(iter(clusters(plan, platform).values()))
    route = cluster.values("kube-prometheus-stack")["alertmanager"]["config"]["route"]
    matchers = " ".join(m for r in route["routes"] for m in r["matchers"])
    for workload in _enabled(platform):
        for rule in _rules(cluster, workload.namespace):
            labels = {"alertname": rule["alert"], **rule["labels"]}
            assert set(route["group_by"]) <= set(labels), rule["alert"]
            assert rule["labels"]["severity"] in matchers, rule["alert"]


def test_the_dashboard_has_a_row_per_queue_worker_on_its_own_queue(prod) -> None:
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        (document,) = cluster.named("ConfigMap", QUEUE_DASHBOARD, PHOTO_NS)["data"].values()
        panels = json.loads(document)["panels"]
        rows: dict[str, list[str]] = {}
        for panel in panels:
            if panel["type"] == "row":
                rows[panel["title"]] = []
            else:
                rows[list(rows)[-1]] += [t["expr"] for t in panel["targets"]]
        assert list(rows) == [WORKER, *(w.name for w in _enabled(platform))], region
        _watches_its_own_queue(cluster, PHOTO_NS, WORKER, rows[WORKER])
        for workload in _enabled(platform):
            _watches_its_own_queue(cluster, workload.namespace, workload.name, rows[workload.name])


def test_a_disabled_queue_worker_gets_no_identity_alerts_or_row(variant) -> None:
    def disable(raw: dict[str, Any]) -> None:
        for workload in raw["queue_workers"]:
            workload["enabled"] = False

    platform, plan = variant("staging", disable)
    names = {w.name for w in platform.queue_workers}
    assert not [r for r in plan.of_type("aws:iam/role:Role") if any(n in r.name for n in names)]
    for cluster in clusters(plan, platform).values():
        (document,) = cluster.named("ConfigMap", QUEUE_DASHBOARD, PHOTO_NS)["data"].values()
        assert [p["title"] for p in json.loads(document)["panels"] if p["type"] == "row"] == [WORKER]
