"""Every deployer reaches every cluster from the one process running pulumi (issue 11, item 3)."""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
import pytest

from components.kubeconfig import eks_kubeconfig, gke_kubeconfig
from foundation.config import PLATFORM_KEY, ConfigError, DeployerAccess, parse_platform_config
from foundation.deployers import (
    EKS_ACCESS_POLICIES,
    GKE_IAM_ROLES,
    PREVIEW_DRY_RUN_ROLE,
    PREVIEW_GROUP,
    PREVIEW_SECRETS_ROLE,
    UndeclaredDeployer,
    declared_role,
)
from infra.offline.plan import capture
from infra.stack import main
from tests.conftest import shipped_raw
from tests.plan_helpers import ancestors

ENTRY = "aws:eks/accessEntry:AccessEntry"
ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
CLUSTER = "aws:eks/cluster:Cluster"
BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"
ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
PROVIDER = "pulumi:providers:kubernetes"


def _region(resource) -> str:
    return resource.name.split("-access")[0].split("-eks")[0]


def test_every_deployer_role_has_access_to_every_eks_cluster(prod) -> None:
    platform, plan = prod
    assert platform.aws is not None
    roles = {r.role_arn: r.access for r in platform.aws.deployer_roles}
    assert roles  # the CI preview role
    clusters = plan.of_type(CLUSTER)
    assert len(clusters) == 4
    for cluster in clusters:
        region = _region(cluster)
        # The creator (the deploy role) is admin through the bootstrap, and has no second entry.
        assert cluster.inputs["accessConfig"] == {
            "authenticationMode": "API",
            "bootstrapClusterCreatorAdminPermissions": True,
        }
        entries = {e.inputs["principalArn"]: e for e in plan.of_type(ENTRY) if _region(e) == region}
        assert set(entries) == set(roles) and platform.aws.cluster_creator_arn not in entries
        associations = {a.inputs["principalArn"]: a for a in plan.of_type(ASSOCIATION) if _region(a) == region}
        assert set(associations) == set(roles)
        for arn, access in roles.items():
            entry, association = entries[arn], associations[arn]
            assert entry.inputs["clusterName"] == association.inputs["clusterName"] == cluster.inputs["name"]
            assert entry.inputs["type"] == "STANDARD"
            assert association.inputs["policyArn"] == EKS_ACCESS_POLICIES[access]
            assert association.inputs["accessScope"] == {"type": "cluster"}
            assert entry.urn in ancestors(plan, association)
            if access is DeployerAccess.PREVIEW:
                assert entry.inputs["kubernetesGroups"] == [PREVIEW_GROUP]


def test_the_kubernetes_provider_waits_until_the_deployers_can_reach_the_cluster(prod) -> None:
    _, plan = prod
    providers = {p.name.removesuffix("-kubernetes-provider"): p for p in plan.of_type(PROVIDER)}
    for association in plan.of_type(ASSOCIATION):
        provider = providers[_region(association)]
        assert association.urn in provider.dependencies, provider.urn
        assert provider.inputs["clusterIdentifier"] == f"wedsync-prod-{_region(association)}"


def test_the_reach_path_exists_for_every_cluster(prod) -> None:
    platform, plan = prod
    assert platform.aws is not None
    for cluster in plan.of_type(CLUSTER):  # EKS: the public endpoint, for the runners' addresses only
        vpc = cluster.inputs["vpcConfig"]
        assert vpc["endpointPublicAccess"] is True and vpc["endpointPrivateAccess"] is True
        assert vpc["publicAccessCidrs"] == [str(c) for c in platform.aws.api_access_cidrs]
    (gke,) = plan.of_type("gcp:container/cluster:Cluster")  # GKE: the DNS endpoint, IAM-authorised
    assert gke.inputs["controlPlaneEndpointsConfig"]["dnsEndpointConfig"] == {"allowExternalTraffic": True}
    assert gke.inputs["privateClusterConfig"]["enablePrivateEndpoint"] is True  # the IP endpoint stays private
    cidrs = [b["cidrBlock"] for b in gke.inputs["masterAuthorizedNetworksConfig"]["cidrBlocks"]]
    assert cidrs == ["10.4.0.0/16"]


def _kubeconfig(build) -> dict[str, Any]:
    """Run a kubeconfig builder under the mocks and read the (secret) result."""

    def program() -> None:
        pulumi.export("kubeconfig", pulumi.Output.unsecret(build()))

    return json.loads(capture(program, "prod", {}, "222222222222").outputs["kubeconfig"])


def test_the_gke_kubeconfig_uses_the_dns_endpoint_with_public_trust() -> None:
    kubeconfig = _kubeconfig(lambda: gke_kubeconfig("wedsync-prod-asia-southeast1", "gke-abc.asia-southeast1.gke.goog"))
    assert kubeconfig["clusters"][0]["cluster"] == {"server": "https://gke-abc.asia-southeast1.gke.goog"}
    assert kubeconfig["users"][0]["user"]["exec"]["command"] == "gke-gcloud-auth-plugin"


def test_the_eks_kubeconfig_runs_get_token_as_the_verified_deployer() -> None:
    deployer = pulumi.Output.from_input("arn:aws:iam::222222222222:role/wedsync-preview")
    kubeconfig = _kubeconfig(
        lambda: eks_kubeconfig("wedsync-prod-us-east-1", "https://x", "Y0E=", "us-east-1", deployer)
    )
    exec_config = kubeconfig["users"][0]["user"]["exec"]
    assert exec_config["command"] == "aws"
    # The caller's own credentials: the deployer was verified to have an entry (or to be the creator).
    assert exec_config["args"] == [
        "eks",
        "get-token",
        "--cluster-name",
        "wedsync-prod-us-east-1",
        "--region",
        "us-east-1",
    ]


def test_with_an_assumed_role_the_exec_command_assumes_the_same_role_as_the_providers() -> None:
    deployer = pulumi.Output.from_input("arn:aws:iam::222222222222:role/wedsync-deploy")
    kubeconfig = _kubeconfig(
        lambda: eks_kubeconfig(
            "c", "https://x", "Y0E=", "eu-west-1", deployer, "arn:aws:iam::222222222222:role/wedsync-deploy"
        )
    )
    args = kubeconfig["users"][0]["user"]["exec"]["args"]
    assert args[-2:] == ["--role-arn", "arn:aws:iam::222222222222:role/wedsync-deploy"]


@pytest.mark.parametrize("role", ["wedsync-deploy", "wedsync-preview"])
def test_each_declared_deployer_can_run_the_program(role: str) -> None:
    raw = shipped_raw("staging")
    plan = capture(
        main, "staging", {PLATFORM_KEY: raw}, "111111111111", f"arn:aws:sts::111111111111:assumed-role/{role}/ci"
    )
    assert plan.of_type(PROVIDER)


def test_undeclared_credentials_stop_the_program_before_any_kubernetes_object() -> None:
    raw = shipped_raw("staging")
    with pytest.raises(Exception, match=re.escape("neither aws.cluster_creator_arn nor one of aws.deployer_roles")):
        capture(main, "staging", {PLATFORM_KEY: raw}, "111111111111", "arn:aws:sts::111111111111:assumed-role/Admin/x")


def test_declared_role_matches_assumed_role_sessions_by_account_and_name() -> None:
    platform = parse_platform_config(shipped_raw("prod"))
    assert platform.aws is not None
    preview = "arn:aws:iam::222222222222:role/wedsync-preview"
    assert declared_role(platform.aws, "arn:aws:sts::222222222222:assumed-role/wedsync-preview/gha-1") == preview
    for stranger in (
        "arn:aws:sts::333333333333:assumed-role/wedsync-preview/gha-1",  # same name, other account
        "arn:aws:iam::222222222222:user/alice",
        "arn:aws:iam::222222222222:root",
    ):
        with pytest.raises(UndeclaredDeployer):
            declared_role(platform.aws, stranger)


def test_gke_deployers_get_iam_on_the_project_and_preview_rbac_in_the_cluster(prod) -> None:
    platform, plan = prod
    assert platform.gcp is not None and platform.gcp.deployers
    members = {(m.inputs["member"], m.inputs["role"]) for m in plan.of_type("gcp:projects/iAMMember:IAMMember")}
    (gke_provider,) = [p for p in plan.of_type(PROVIDER) if p.name.startswith("asia-southeast1")]
    gke_bindings = [b for b in plan.of_type(BINDING) if b.provider.startswith(gke_provider.urn)]
    for deployer in platform.gcp.deployers:
        assert (f"serviceAccount:{deployer.service_account}", GKE_IAM_ROLES[deployer.access]) in members
        (binding,) = [b for b in gke_bindings if b.inputs["roleRef"]["name"] == PREVIEW_DRY_RUN_ROLE]
        assert {
            "kind": "User",
            "name": deployer.service_account,
            "apiGroup": "rbac.authorization.k8s.io",
        } in binding.inputs["subjects"]


@pytest.mark.parametrize("region", ["us-east-1", "asia-southeast1"])
def test_preview_identities_get_exactly_what_a_preview_needs_and_only_dry_runs(prod, region: str) -> None:
    _, plan = prod
    (provider,) = [p for p in plan.of_type(PROVIDER) if p.name.startswith(region)]
    in_cluster = [r for r in plan.resources if r.provider and r.provider.startswith(provider.urn)]
    roles = {r.inputs["metadata"]["name"]: r for r in in_cluster if r.type.endswith(":ClusterRole")}
    (dry_run_rule,) = roles[PREVIEW_DRY_RUN_ROLE].inputs["rules"]
    assert dry_run_rule["verbs"] == ["patch"]  # server-side-apply previews are PATCH ?dryRun=All
    assert "admissionregistration.k8s.io" not in dry_run_rule["apiGroups"]  # cannot touch the policy below
    assert {"", "apps", "monitoring.coreos.com", "keda.sh", "networking.istio.io"} <= set(dry_run_rule["apiGroups"])
    (secrets_rule,) = roles[PREVIEW_SECRETS_ROLE].inputs["rules"]
    assert (secrets_rule["resources"], secrets_rule["verbs"]) == (["secrets"], ["get", "list", "watch"])
    # Release state is read where the releases are (and the photo namespace), nowhere else; after they exist.
    releases = [r for r in in_cluster if r.type == "kubernetes:helm.sh/v3:Release"]
    secret_bindings = [
        b for b in in_cluster if b.type == ROLE_BINDING and b.inputs["roleRef"]["name"] == PREVIEW_SECRETS_ROLE
    ]
    assert {b.inputs["metadata"]["namespace"] for b in secret_bindings} == {
        *(r.inputs["namespace"] for r in releases),
        "photography-ai",
        "wedsync-pdf-analysis",  # the queue worker's namespace (Pulumi.prod.yaml queue_workers)
    }
    for binding in secret_bindings:
        assert {r.urn for r in releases} <= ancestors(plan, binding)
    (policy,) = [r for r in in_cluster if r.type.endswith(":ValidatingAdmissionPolicy")]
    (validation,) = policy.inputs["spec"]["validations"]
    assert validation["expression"] == "has(request.dryRun) && request.dryRun == true"
    assert set(policy.inputs["spec"]["matchConstraints"]["resourceRules"][0]["operations"]) == {
        "CREATE",
        "UPDATE",
        "DELETE",
    }
    (binding,) = [r for r in in_cluster if r.type.endswith(":ValidatingAdmissionPolicyBinding")]
    assert binding.inputs["spec"] == {"policyName": policy.inputs["metadata"]["name"], "validationActions": ["Deny"]}


def _edit(raw: dict, change) -> dict:
    change(raw)
    return raw


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda raw: raw["aws"]["deployer_roles"].append(
                {"role_arn": raw["aws"]["cluster_creator_arn"], "access": "admin"}
            ),
            "aws.deployer_roles[1].role_arn: names arn:aws:iam::222222222222:role/wedsync-deploy twice: one access "
            "entry per principal (the creator already is admin)",
        ),
        (
            lambda raw: raw["aws"]["deployer_roles"].append(
                {"role_arn": "arn:aws:iam::999999999998:role/ci", "access": "preview"}
            ),
            "aws.deployer_roles[1].role_arn: must be a role in account 222222222222 "
            "(got arn:aws:iam::999999999998:role/ci)",
        ),
        (
            lambda raw: raw["aws"].update(assume_role_arn="arn:aws:iam::222222222222:role/other"),
            "aws.assume_role_arn: must equal cluster_creator_arn: the role the providers act as creates the clusters "
            "(got arn:aws:iam::222222222222:role/other)",
        ),
        (lambda raw: raw["aws"].pop("api_access_cidrs"), "aws.api_access_cidrs: is required"),
    ],
)
def test_deployer_config_errors_name_the_key_and_the_rule(change, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_platform_config(_edit(shipped_raw("prod"), change))
    assert message in caught.value.lines
