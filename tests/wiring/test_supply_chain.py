"""Supply chain, read from the plan: every image a cluster runs is the platform's own (signed by CI with the
key admission checks) or allow-listed; the attestor's and Kyverno's keys are the keys CI signs with; CI may
only sign; no workload pod mounts a Kubernetes API token, while its cloud identity stays wired."""

from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pulumi
import yaml

from foundation.config import Cloud
from foundation.images import untagged
from foundation.supply_chain import (
    CHART_IMAGES,
    IMAGE_VERIFICATION_POLICY,
    SIGNING_KEY,
    SIGNING_KEY_ALGORITHM,
    canonical,
    kyverno_pattern,
    matches,
)
from infra.deploy_env import deploy_env
from infra.offline.mocks import PlatformMocks
from tests.wiring.cluster import Cluster, clusters

WORKFLOW = Path(__file__).parents[2] / ".github" / "workflows" / "worker-image.yml"
POD_OWNERS = ("Deployment", "CronJob")
IDENTITY_ANNOTATIONS = ("eks.amazonaws.com/role-arn", "iam.gke.io/gcp-service-account")


def _pod_spec(owner: dict[str, Any]) -> dict[str, Any]:
    if owner["kind"] == "CronJob":
        return owner["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return owner["spec"]["template"]["spec"]


def _pod_specs(cluster: Cluster) -> list[tuple[str, dict[str, Any]]]:
    return [(o["metadata"]["name"], _pod_spec(o)) for kind in POD_OWNERS for o in cluster.of_kind(kind)]


def _images(cluster: Cluster) -> set[str]:
    return {
        c["image"] for _, spec in _pod_specs(cluster) for c in [*spec.get("initContainers", []), *spec["containers"]]
    }


def _one(plan, resource_type: str):
    (found,) = plan.of_type(resource_type)
    return found


def _verify_rule(cluster: Cluster) -> dict[str, Any]:
    (rule,) = cluster.named("ClusterPolicy", IMAGE_VERIFICATION_POLICY)["spec"]["rules"]
    (verify,) = rule["verifyImages"]
    return verify


def _admits_unsigned(cloud: Cloud, plan, cluster: Cluster):
    """The cluster's admission exemption: Binary Authorization's patterns on GKE, Kyverno's skips on EKS."""
    if cloud is Cloud.GCP:
        patterns = [
            p["namePattern"]
            for p in _one(plan, "gcp:binaryauthorization/policy:Policy").inputs["admissionWhitelistPatterns"]
        ]
        return patterns, lambda image: any(matches(p, image) for p in patterns)
    skips = _verify_rule(cluster)["skipImageReferences"]
    return skips, lambda image: any(fnmatchcase(canonical(image), p) for p in skips)


def test_every_image_a_cluster_runs_is_signed_by_ci_or_allow_listed(prod) -> None:
    platform, plan = prod
    signed = set(deploy_env(platform)["WORKER_REPOSITORIES"].split())  # what the image workflow signs
    regions = {r.id: r.cloud for r in platform.regions}
    for region, cluster in clusters(plan, platform).items():
        patterns, exempt = _admits_unsigned(regions[region], plan, cluster)
        for image in _images(cluster):
            own = untagged(image) in signed
            assert own != exempt(image), (
                f"{region}: {image} is {'own yet exempt' if own else 'neither own nor allowed'}"
            )
        spell = (lambda p: p) if regions[region] is Cloud.GCP else kyverno_pattern
        for release in cluster.releases.values():  # the charts' own images
            missing = {spell(p) for p in CHART_IMAGES[release["chart"]]} - set(patterns)
            assert not missing, f"{region}: chart {release['chart']} runs images from {missing}, not allowed"


def test_every_gke_cluster_enforces_the_policy_that_requires_ci_s_attestation(prod) -> None:
    platform, plan = prod
    env = deploy_env(platform)
    policy = _one(plan, "gcp:binaryauthorization/policy:Policy").inputs
    rule = policy["defaultAdmissionRule"]
    assert (rule["evaluationMode"], rule["enforcementMode"]) == ("REQUIRE_ATTESTATION", "ENFORCED_BLOCK_AND_AUDIT_LOG")
    assert rule["requireAttestationsBies"] == [env["BINAUTHZ_ATTESTOR"]]
    assert policy["globalPolicyEvaluationMode"] == "ENABLE"
    for cluster in plan.of_type("gcp:container/cluster:Cluster"):
        assert cluster.inputs["binaryAuthorization"] == {"evaluationMode": "PROJECT_SINGLETON_POLICY_ENFORCE"}


def test_the_attestor_holds_the_key_ci_signs_with_and_ci_may_only_sign(prod) -> None:
    platform, plan = prod
    env = deploy_env(platform)
    attestor = _one(plan, "gcp:binaryauthorization/attestor:Attestor").inputs
    assert f"projects/{platform.gcp.project}/attestors/{attestor['name']}" == env["BINAUTHZ_ATTESTOR"]
    (public_key,) = attestor["attestationAuthorityNote"]["publicKeys"]
    assert public_key["id"] == f"//cloudkms.googleapis.com/v1/{env['BINAUTHZ_KEY_VERSION']}"
    assert public_key["pkixPublicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    key = next(k for k in plan.of_type("gcp:kms/cryptoKey:CryptoKey") if k.inputs["purpose"] == "ASYMMETRIC_SIGN")
    ring = next(r for r in plan.of_type("gcp:kms/keyRing:KeyRing") if r.outputs["id"] == key.inputs["keyRing"])
    path = f"projects/{platform.gcp.project}/locations/{ring.inputs['location']}/keyRings/{ring.inputs['name']}"
    assert env["BINAUTHZ_KEY_VERSION"] == f"{path}/cryptoKeys/{key.inputs['name']}/cryptoKeyVersions/1"
    assert key.inputs["name"] == SIGNING_KEY
    assert key.inputs["versionTemplate"]["algorithm"] == SIGNING_KEY_ALGORITHM
    grants = [g.inputs for g in plan.of_type("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember")]
    on_key = [g for g in grants if g["cryptoKeyId"] == key.outputs["id"]]
    assert on_key == [
        {
            "cryptoKeyId": key.outputs["id"],
            "role": "roles/cloudkms.signerVerifier",
            "member": f"serviceAccount:{env['GCP_IMAGE_PUSH_SERVICE_ACCOUNT']}",
        }
    ]


def test_the_image_workflow_attests_with_the_attestor_and_key_the_stack_names() -> None:
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["image"]["steps"]
    targets = next(s for s in steps if s.get("id") == "targets")["run"]
    assert "BINAUTHZ_ATTESTOR|BINAUTHZ_KEY_VERSION" in targets  # copied from deploy-env as PROD_...
    (attest,) = [s for s in steps if "binauthz attestations sign-and-create" in s.get("run", "")]
    assert attest["env"]["ATTESTOR"] == "${{ env.PROD_BINAUTHZ_ATTESTOR }}"
    assert attest["env"]["KEY_VERSION"] == "${{ env.PROD_BINAUTHZ_KEY_VERSION }}"
    assert '--attestor="$ATTESTOR" --keyversion="$KEY_VERSION"' in attest["run"]


def test_each_eks_cluster_verifies_signatures_by_the_key_ci_signs_with(prod) -> None:
    platform, plan = prod
    key_arn = deploy_env(platform)["IMAGE_SIGNING_KEY"].removeprefix("awskms:///")  # cosign's key in the workflow
    args = pulumi.runtime.MockCallArgs("aws:kms/getPublicKey:getPublicKey", {"keyId": key_arn}, "")
    expected = PlatformMocks().call(args)[0]["publicKeyPem"]
    eks = [r.id for r in platform.regions if r.cloud is Cloud.AWS]
    found = clusters(plan, platform)
    for region in eks:
        verify = _verify_rule(found[region])
        assert (verify["failureAction"], verify["required"], verify["imageReferences"]) == ("Enforce", True, ["*"])
        ((entry,),) = [a["entries"] for a in verify["attestors"]]
        assert entry["keys"]["publicKeys"] == expected, region


def test_kyverno_never_gates_the_system_namespaces(prod) -> None:
    platform, plan = prod
    for region in (r.id for r in platform.regions if r.cloud is Cloud.AWS):
        cluster = clusters(plan, platform)[region]
        config = cluster.values("kyverno")["config"]
        assert config["excludeKyvernoNamespace"] is True
        selectors = [w["namespaceSelector"]["matchExpressions"] for w in config["webhooks"]]
        assert all(
            {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system"]} in s
            for s in selectors
        )
        (rule,) = cluster.named("ClusterPolicy", IMAGE_VERIFICATION_POLICY)["spec"]["rules"]
        assert {"kube-system", "kyverno"} <= set(rule["exclude"]["any"][0]["resources"]["namespaces"])


def test_no_workload_pod_mounts_an_api_token_and_identities_stay_wired(prod) -> None:
    platform, plan = prod
    for region, cluster in clusters(plan, platform).items():
        workload_namespaces = {platform.kubernetes.namespace, *(w.namespace for w in platform.queue_workers)}
        accounts = {
            a["metadata"]["name"]: a
            for a in cluster.of_kind("ServiceAccount")
            if a["metadata"].get("namespace") in workload_namespaces
        }
        for name, spec in _pod_specs(cluster):
            assert spec.get("automountServiceAccountToken") is False, f"{region}: {name} mounts a token"
            account = spec.get("serviceAccountName")
            if account:  # the pod's own account refuses too, and still names the workload's cloud identity
                assert accounts[account].get("automountServiceAccountToken") is False, f"{region}: {account}"
        identities = [
            a for a in accounts.values() if set(a["metadata"].get("annotations") or {}) & set(IDENTITY_ANNOTATIONS)
        ]
        assert len(identities) >= 3, f"{region}: worker, jobs API and reconciler keep their cloud identities"
