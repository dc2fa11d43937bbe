"""Who may reach the clusters, one definition for the components that grant it and the tests that read it.

Reach path (see README "Reaching the clusters"): one `pulumi up` talks to four EKS API servers in four
regions and to GKE. EKS keeps its private endpoint for the nodes and opens its public endpoint to the
runners' egress CIDRs only (`aws.api_access_cidrs`), every request authenticated by IAM and authorised by an
access entry; GKE keeps its IP endpoint private and serves deployers on its DNS-based endpoint, authorised
by IAM (`container.clusters.connect`). No network has to be peered across regions or clouds.
"""

from __future__ import annotations

from foundation.config import AwsAccount, DeployerAccess

# EKS access policies per access level (https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html).
EKS_ACCESS_POLICIES = {
    DeployerAccess.ADMIN: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
    DeployerAccess.PREVIEW: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
}
# GKE IAM roles per access level: both include container.clusters.connect, which the DNS endpoint checks.
GKE_IAM_ROLES = {DeployerAccess.ADMIN: "roles/container.admin", DeployerAccess.PREVIEW: "roles/container.viewer"}

# Preview identities: the view policy / role, plus what `pulumi preview` needs beyond it (pulumi-kubernetes
# previews server-side-apply writes as PATCH ?dryRun=All, provider/pkg/await/await.go; Helm keeps release
# state in Secrets of the release namespace). An admission policy refuses them any write that is not a dry run.
PREVIEW_GROUP = "wedsync:previewers"  # mapped by the EKS access entries' kubernetes_groups
PREVIEW_DRY_RUN_ROLE = "wedsync-preview-dry-run"
PREVIEW_SECRETS_ROLE = "wedsync-preview-release-state"
PREVIEW_ADMISSION_POLICY = "wedsync-preview-dry-run-only"


class UndeclaredDeployer(ValueError):
    """The credentials running the program are not a deployer that can reach the clusters."""


def declared_role(account: AwsAccount, caller_arn: str) -> str:
    """The configured role ARN the caller acts as (`sts get-caller-identity`), or UndeclaredDeployer.

    An assumed-role session `arn:aws:sts::<account>:assumed-role/<name>/<session>` acts as the role of that
    name (the session ARN drops the role's path).
    """
    roles = [account.cluster_creator_arn, *(role.role_arn for role in account.deployer_roles)]
    parts = caller_arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "sts" and parts[5].startswith("assumed-role/"):
        name = parts[5].split("/")[1]
        for role in roles:
            if role.split(":")[4] == parts[4] and role.rsplit("/", 1)[1] == name:
                return role
    elif caller_arn in roles:
        return caller_arn
    raise UndeclaredDeployer(
        f"the credentials running pulumi ({caller_arn}) are neither aws.cluster_creator_arn nor one of "
        f"aws.deployer_roles, so they cannot reach the EKS clusters; run as one of: {', '.join(roles)}"
    )
