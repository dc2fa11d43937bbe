"""The jobs path, read from the plan: the mesh and the app check the same tokens, the API, the workers and the
reconciler share one store, and each has a cloud identity of its own with exactly the rights it needs."""

from __future__ import annotations

import json

import pytest

from foundation.naming import JOBS_API, LEDGER_PREFIX, PHOTOS_PREFIX, RECONCILER, WORKER
from gpu_worker.api.commands import api_settings
from gpu_worker.ledger import LEDGER_PREFIX as WORKER_LEDGER_PREFIX
from tests.test_worker_contract import parse
from tests.wiring.cluster import clusters

REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "asia-southeast1"]
NS = "photography-ai"


def _container(workload: dict) -> dict:
    spec = workload["spec"]
    template = spec["jobTemplate"]["spec"]["template"] if workload["kind"] == "CronJob" else spec["template"]
    (container,) = template["spec"]["containers"]
    return container


@pytest.fixture(scope="module")
def prod_clusters(prod):
    platform, plan = prod
    return clusters(plan, platform)


@pytest.mark.parametrize("region", REGIONS)
def test_the_mesh_and_the_api_verify_the_same_tokens(prod_clusters, region: str) -> None:
    cluster = prod_clusters[region]
    args, error = parse(_container(cluster.named("Rollout", JOBS_API, NS))["args"])
    assert args is not None, error
    auth = api_settings(args).auth  # what the app itself enforces (it refuses to start without it)
    (jwt,) = cluster.named("RequestAuthentication", f"{JOBS_API}-jwt", NS)["spec"]["jwtRules"]
    assert (jwt["issuer"], jwt["audiences"], jwt["jwksUri"]) == (auth.issuer, [auth.audience], auth.jwks_url)


@pytest.mark.parametrize("region", REGIONS)
def test_api_routes_without_a_token_are_denied_by_the_mesh_and_health_is_not(prod_clusters, region: str) -> None:
    cluster = prod_clusters[region]
    deny = cluster.named("AuthorizationPolicy", f"{JOBS_API}-require-jwt", NS)["spec"]
    assert deny["action"] == "DENY"
    pods = cluster.pods_selected_by(NS, deny["selector"]["matchLabels"])
    assert [p["spec"]["containers"][0]["name"] for p in pods] == [JOBS_API]
    (rule,) = deny["rules"]
    assert rule["from"] == [{"source": {"notRequestPrincipals": ["*"]}}]
    (paths,) = [op["operation"]["paths"] for op in rule["to"]]
    routes = cluster.named("VirtualService", "api", NS)["spec"]["http"]
    to_api = [r for r in routes if r["route"][0]["destination"]["host"].startswith(f"{JOBS_API}.")]
    for route in to_api:
        prefix = route["match"][0]["uri"].get("prefix") or route["match"][0]["uri"].get("exact")
        covered = any(prefix.startswith(p.removesuffix("*")) for p in paths)
        assert covered == prefix.startswith("/api/"), prefix  # API calls need a token, the health route not


@pytest.mark.parametrize("region", REGIONS)
def test_the_api_workers_and_reconciler_share_one_store_and_ledger(prod_clusters, region: str) -> None:
    cluster = prod_clusters[region]
    stores = {}
    for kind, name in (("Rollout", JOBS_API), ("Deployment", WORKER), ("CronJob", RECONCILER)):
        args, error = parse(_container(cluster.named(kind, name, NS))["args"])
        assert args is not None, f"{name}: {error}"
        stores[name] = args.store
    assert len(set(stores.values())) == 1, stores
    assert next(iter(stores.values())).endswith(f"/{PHOTOS_PREFIX}")
    assert LEDGER_PREFIX == WORKER_LEDGER_PREFIX  # the identities' ledger rights name the worker's own prefix


@pytest.mark.parametrize("region", REGIONS)
def test_one_reconciler_run_at_a_time_per_cluster(prod_clusters, region: str) -> None:
    (cron,) = prod_clusters[region].of_kind("CronJob", NS)
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    args, _ = parse(_container(cron)["args"])
    assert args.command == "reconcile" and args.every is None  # one pass per run: the CronJob is the clock


def _role_policies(plan, service_account: str) -> list[dict]:
    """The inline policies of the IRSA roles that trust `system:serviceaccount:<ns>:<service_account>`."""
    roles = [
        r
        for r in plan.of_type("aws:iam/role:Role")
        if f"system:serviceaccount:{NS}:{service_account}" in r.inputs.get("assumeRolePolicy", "")
    ]
    assert len(roles) == 4, service_account  # one per EKS cluster
    names = {r.name for r in roles}
    return [
        json.loads(p.inputs["policy"])
        for p in plan.of_type("aws:iam/rolePolicy:RolePolicy")
        if any(p.name.startswith(n) for n in names)
    ]


def _actions(policy: dict) -> set[str]:
    return {a for statement in policy["Statement"] for a in statement["Action"]}


def test_each_workload_has_its_own_aws_identity_with_only_what_it_needs(prod) -> None:
    _, plan = prod
    for account, needs in (
        (WORKER, {"s3:GetObject", "s3:PutObject"}),
        (JOBS_API, {"s3:GetObject", "s3:PutObject"}),
        (RECONCILER, {"s3:GetObject", "s3:ListBucket"}),
    ):
        policies = _role_policies(plan, account)
        assert len(policies) == 4
        for policy in policies:
            assert needs <= _actions(policy)
            assert not any(a.endswith("*") or a.startswith("s3:Delete") for a in _actions(policy))
    for policy in _role_policies(plan, RECONCILER):
        assert "s3:PutObject" not in _actions(policy)  # it reads the ledger; only Redis is written


def test_the_gke_api_identity_may_sign_upload_urls_as_itself(prod) -> None:
    _, plan = prod
    accounts = {a.name: a for a in plan.of_type("gcp:serviceaccount/account:Account")}
    bindings = plan.of_type("gcp:serviceaccount/iAMMember:IAMMember")
    members = {(b.inputs["role"], b.inputs["member"]) for b in bindings}
    api = next(a for name, a in accounts.items() if name.endswith("identities-api"))
    email = api.outputs["email"]
    assert ("roles/iam.serviceAccountTokenCreator", f"serviceAccount:{email}") in members
    assert any(r == "roles/iam.workloadIdentityUser" and m.endswith(f"[{NS}/{JOBS_API}]") for r, m in members)
    services = {s.inputs["service"] for s in plan.of_type("gcp:projects/service:Service")}
    assert "iamcredentials.googleapis.com" in services  # signBlob lives in the IAM Credentials API
