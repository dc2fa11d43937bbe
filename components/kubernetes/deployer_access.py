"""What a preview identity may do in a cluster: exactly what `pulumi preview` needs, and no real write.

Beyond the view policy/role its access entry or IAM role grants (everything but Secrets), a preview needs:
- `patch` on the kinds the program applies: pulumi-kubernetes previews server-side-apply creates and
  updates as `PATCH ?dryRun=All` (provider/pkg/await/await.go); without it the preview silently falls
  back to diffing inputs;
- `get`/`list`/`watch` on Secrets in the namespaces holding Helm releases and the platform's own Secrets:
  Helm keeps release state in Secrets of the release namespace, and Secret objects are diffed live.
RBAC cannot tell a dry run from a write, so a ValidatingAdmissionPolicy refuses these identities every
create, update or delete that is not a dry run. The admission API group is left out of `patch`, so the
identity this policy constrains cannot change the policy.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.objects import meta
from foundation.crds import BUILT_IN_GROUPS, CRD_RELEASES
from foundation.deployers import PREVIEW_ADMISSION_POLICY, PREVIEW_DRY_RUN_ROLE, PREVIEW_SECRETS_ROLE

# API groups the program and its charts apply objects in, but for the admission API (the policy below).
RBAC_GROUP = "rbac.authorization.k8s.io"
APPLIED_GROUPS = tuple(sorted((BUILT_IN_GROUPS - {"admissionregistration.k8s.io"}) | set(CRD_RELEASES)))


@dataclass(frozen=True)
class PreviewAccessArgs:
    """Who previews (RBAC subjects: `("Group", name)` on EKS, `("User", email)` on GKE) and where Secrets are."""

    subjects: tuple[tuple[str, str], ...]
    secret_namespaces: tuple[str, ...]


def _subjects(args: PreviewAccessArgs) -> list[k8s.rbac.v1.SubjectArgs]:
    return [k8s.rbac.v1.SubjectArgs(kind=kind, name=name, api_group=RBAC_GROUP) for kind, name in args.subjects]


def _cluster_role(name: str) -> k8s.rbac.v1.RoleRefArgs:
    return k8s.rbac.v1.RoleRefArgs(api_group=RBAC_GROUP, kind="ClusterRole", name=name)


def _is_preview_identity(args: PreviewAccessArgs) -> str:
    """CEL: the request comes from one of the subjects."""
    checks = [
        f"request.userInfo.groups.exists(g, g == '{name}')"
        if kind == "Group"
        else f"request.userInfo.username == '{name}'"
        for kind, name in args.subjects
    ]
    return " || ".join(checks)


class PreviewAccess(pulumi.ComponentResource):
    """The dry-run role and its binding, release-state Secret reads per namespace, and the dry-run-only policy."""

    def __init__(self, name: str, args: PreviewAccessArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:k8s:PreviewAccess", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        dry_run = k8s.rbac.v1.ClusterRole(
            f"{name}-dry-run",
            metadata=meta(PREVIEW_DRY_RUN_ROLE),
            rules=[k8s.rbac.v1.PolicyRuleArgs(api_groups=list(APPLIED_GROUPS), resources=["*"], verbs=["patch"])],
            opts=child,
        )
        k8s.rbac.v1.ClusterRoleBinding(
            f"{name}-dry-run-binding",
            metadata=meta(PREVIEW_DRY_RUN_ROLE),
            role_ref=_cluster_role(PREVIEW_DRY_RUN_ROLE),
            subjects=_subjects(args),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[dry_run]),
        )
        secrets = k8s.rbac.v1.ClusterRole(
            f"{name}-release-state",
            metadata=meta(PREVIEW_SECRETS_ROLE),
            rules=[k8s.rbac.v1.PolicyRuleArgs(api_groups=[""], resources=["secrets"], verbs=["get", "list", "watch"])],
            opts=child,
        )
        for namespace in args.secret_namespaces:
            k8s.rbac.v1.RoleBinding(
                f"{name}-release-state-{namespace}",
                metadata=meta(PREVIEW_SECRETS_ROLE, namespace),
                role_ref=_cluster_role(PREVIEW_SECRETS_ROLE),
                subjects=_subjects(args),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[secrets]),
            )
        policy = k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
            f"{name}-dry-run-only",
            metadata=meta(PREVIEW_ADMISSION_POLICY),
            spec=k8s.admissionregistration.v1.ValidatingAdmissionPolicySpecArgs(
                failure_policy="Fail",
                match_constraints=k8s.admissionregistration.v1.MatchResourcesArgs(
                    resource_rules=[
                        k8s.admissionregistration.v1.NamedRuleWithOperationsArgs(
                            api_groups=["*"],
                            api_versions=["*"],
                            operations=["CREATE", "UPDATE", "DELETE"],
                            resources=["*", "*/*"],
                        )
                    ]
                ),
                match_conditions=[
                    k8s.admissionregistration.v1.MatchConditionArgs(
                        name="preview-identity", expression=_is_preview_identity(args)
                    )
                ],
                validations=[
                    k8s.admissionregistration.v1.ValidationArgs(
                        expression="has(request.dryRun) && request.dryRun == true",
                        message="preview identities may only dry-run writes (pulumi preview)",
                    )
                ],
            ),
            opts=child,
        )
        k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
            f"{name}-dry-run-only-binding",
            metadata=meta(PREVIEW_ADMISSION_POLICY),
            spec=k8s.admissionregistration.v1.ValidatingAdmissionPolicyBindingSpecArgs(
                policy_name=PREVIEW_ADMISSION_POLICY, validation_actions=["Deny"]
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        self.register_outputs({})
