"""Who reaches an EKS cluster besides its creator: an access entry and a policy association per deployer role,
and the check that the credentials running the program are one of the declared deployers."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.options import child_opts
from foundation.config import AwsAccount, DeployerAccess
from foundation.deployers import EKS_ACCESS_POLICIES, PREVIEW_GROUP, declared_role
from foundation.tags import Tagging


@dataclass(frozen=True)
class EksClusterAccessArgs:
    """The cluster, the account's deployers, and the tags."""

    cluster_name: pulumi.Input[str]
    account: AwsAccount
    tagging: Tagging


class EksClusterAccess(pulumi.ComponentResource):
    """Access entries for every deployer role but the creator (EKS already made it admin: a second entry for
    the same principal would be refused), and `deployer`: the role the running credentials act as."""

    associations: list[aws.eks.AccessPolicyAssociation]
    deployer: pulumi.Output[str]

    def __init__(self, name: str, args: EksClusterAccessArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:aws:EksClusterAccess", name, None, opts)
        tags = args.tagging.for_component("cluster-access")
        self.associations = []
        for index, role in enumerate(args.account.deployer_roles):
            entry = aws.eks.AccessEntry(
                f"{name}-{index}-{role.access.value}",
                cluster_name=args.cluster_name,
                principal_arn=role.role_arn,
                type="STANDARD",
                # Preview identities also get the preview RBAC (components/kubernetes/deployer_access.py).
                kubernetes_groups=[PREVIEW_GROUP] if role.access is DeployerAccess.PREVIEW else None,
                tags=tags,
                opts=child_opts(self),
            )
            self.associations.append(
                aws.eks.AccessPolicyAssociation(
                    f"{name}-{index}-{role.access.value}-policy",
                    cluster_name=args.cluster_name,
                    principal_arn=entry.principal_arn,
                    policy_arn=EKS_ACCESS_POLICIES[role.access],
                    access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                    opts=child_opts(self),
                )
            )
        caller = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        account = args.account
        self.deployer = caller.arn.apply(lambda arn: declared_role(account, arn))
        self.register_outputs({"deployer": self.deployer})
