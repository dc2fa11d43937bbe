"""Supply chain: pods carry no Kubernetes API token they do not use, every GKE cluster is held to an enforced
Binary Authorization policy with an attestor, and every EKS cluster runs an enforcing image-signature policy
(Kyverno `verifyImages` with a public key)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs, StackValidationArgs

from policies.build import Report, resource_policy, stack_policy
from policies.kubernetes import pod_spec
from policies.resources import get

GKE_CLUSTER = "gcp:container/cluster:Cluster"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
BINAUTHZ_POLICY = "gcp:binaryauthorization/policy:Policy"
KYVERNO_CLUSTER_POLICY = "kubernetes:kyverno.io/v1:ClusterPolicy"
ENFORCED_SINGLETON = "PROJECT_SINGLETON_POLICY_ENFORCE"


def _no_token(args: ResourceValidationArgs, report: Report) -> None:
    spec = pod_spec(args.resource_type, args.props)
    if spec is not None and spec.get("automountServiceAccountToken") is not False:
        report("the pod mounts a Kubernetes API token (automountServiceAccountToken is not false)")


def _binauthz_problems(policy: Mapping[str, Any]) -> list[str]:
    rule = get(policy, "defaultAdmissionRule", default={}) or {}
    problems = []
    if rule.get("evaluationMode") != "REQUIRE_ATTESTATION" or not rule.get("requireAttestationsBies"):
        problems.append("the default rule does not require an attestation")
    if rule.get("enforcementMode") != "ENFORCED_BLOCK_AND_AUDIT_LOG":
        problems.append("the default rule does not block")
    if get(policy, "globalPolicyEvaluationMode") != "ENABLE":
        problems.append("global policy evaluation is off (GKE system images would need allow-listing)")
    return problems


def _gke_binary_authorization(args: StackValidationArgs, report: Report) -> None:
    clusters = [r for r in args.resources if r.resource_type == GKE_CLUSTER]
    if not clusters:
        return
    policies = [r for r in args.resources if r.resource_type == BINAUTHZ_POLICY]
    for cluster in clusters:
        if get(cluster.props, "binaryAuthorization", "evaluationMode") != ENFORCED_SINGLETON:
            report(f"cluster {get(cluster.props, 'name')}: Binary Authorization is not enforced", cluster.urn)
    if not policies:
        report("GKE clusters run without a Binary Authorization policy in the project")
    for policy in policies:
        for problem in _binauthz_problems(policy.props):
            report(f"Binary Authorization policy: {problem}", policy.urn)


def _verifies_signatures(policy: PolicyResource) -> bool:
    """An enforcing verifyImages rule with at least one public key."""
    spec = get(policy.props, "spec", default={}) or {}
    for rule in spec.get("rules") or []:
        for verify in rule.get("verifyImages") or []:
            action = verify.get("failureAction") or spec.get("validationFailureAction")
            keys = [
                entry.get("keys", {}).get("publicKeys")
                for attestor in verify.get("attestors") or []
                for entry in attestor.get("entries") or []
            ]
            if action == "Enforce" and verify.get("required") is not False and any(keys):
                return True
    return False


def _eks_image_signatures(args: StackValidationArgs, report: Report) -> None:
    verified = {
        get(r.provider.props, "clusterIdentifier")
        for r in args.resources
        if r.resource_type == KYVERNO_CLUSTER_POLICY and r.provider and _verifies_signatures(r)
    }
    for cluster in (r for r in args.resources if r.resource_type == EKS_CLUSTER):
        if get(cluster.props, "name") not in verified:
            report(f"cluster {get(cluster.props, 'name')}: no enforcing image-signature policy", cluster.urn)


POLICIES = [
    resource_policy(
        "k8s-no-service-account-token",
        "Pods do not mount a Kubernetes API token (none of the platform's workloads calls the API).",
        _no_token,
        "Set automount_service_account_token=False on the pod spec and its ServiceAccount.",
    ),
    stack_policy(
        "gke-binary-authorization",
        "GKE: clusters enforce the project's Binary Authorization policy, which requires an attestation.",
        _gke_binary_authorization,
        "Use GkeCluster and GcpProjectSetup (components/gcp/binary_authorization.py).",
    ),
    stack_policy(
        "eks-image-signatures",
        "EKS: every cluster runs an enforcing Kyverno verifyImages policy with the signing key.",
        _eks_image_signatures,
        "Give kube_platform_args the account's image-signing public key (components/kubernetes/image_verification.py).",
    ),
]
