"""An EKS control plane: private endpoint for the nodes, a public endpoint admitting only the deployers'
addresses, KMS-encrypted secrets, audit logging, IRSA, node role."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.iam import managed_policy_arn, service_trust_policy
from components.aws.logs import encrypted_log_group
from components.options import child_opts, stateful_opts
from foundation.audit import EKS_CONTROL_PLANE_LOG_TYPES
from foundation.tags import Tagging

NODE_ROLE_POLICIES = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"]


@dataclass(frozen=True)
class EksClusterArgs:
    """The cluster's name, version, placement and keys."""

    cluster_name: str
    kubernetes_version: str
    subnet_ids: pulumi.Input[list[str]]
    api_access_cidrs: tuple[str, ...]
    secrets_key_arn: pulumi.Input[str]
    tagging: Tagging
    protect: bool


class EksCluster(pulumi.ComponentResource):
    """The control plane, its OIDC provider for IRSA, and the IAM role its nodes run as."""

    cluster_name: pulumi.Output[str]
    endpoint: pulumi.Output[str]
    certificate_authority_data: pulumi.Output[str]
    oidc_provider_arn: pulumi.Output[str]
    oidc_issuer_url: pulumi.Output[str]
    node_role_arn: pulumi.Output[str]
    cluster_security_group_id: pulumi.Output[str]
    node_role_attachments: list[aws.iam.RolePolicyAttachment]

    def __init__(self, name: str, args: EksClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:aws:EksCluster", name, None, opts)
        tags = args.tagging.for_component("eks")

        cluster_role = aws.iam.Role(
            f"{name}-cluster-role",
            assume_role_policy=service_trust_policy("eks.amazonaws.com"),
            tags=tags,
            opts=child_opts(self),
        )
        cluster_policy = aws.iam.RolePolicyAttachment(
            f"{name}-cluster-policy",
            role=cluster_role.name,
            policy_arn=managed_policy_arn("AmazonEKSClusterPolicy"),
            opts=child_opts(self),
        )
        # Created before the cluster so that EKS writes into an encrypted group with a retention.
        log_group = encrypted_log_group(
            f"{name}-control-plane-logs", f"/aws/eks/{args.cluster_name}/cluster", args.secrets_key_arn, tags, self
        )
        cluster = aws.eks.Cluster(
            f"{name}-cluster",
            name=args.cluster_name,
            version=args.kubernetes_version,
            role_arn=cluster_role.arn,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=args.subnet_ids,
                endpoint_private_access=True,
                # The reach path of `pulumi up` (foundation/deployers.py): IAM-authenticated, runners' CIDRs only.
                endpoint_public_access=True,
                public_access_cidrs=list(args.api_access_cidrs),
            ),
            encryption_config=aws.eks.ClusterEncryptionConfigArgs(
                provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=args.secrets_key_arn),
                resources=["secrets"],
            ),
            enabled_cluster_log_types=list(EKS_CONTROL_PLANE_LOG_TYPES),
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API",
                bootstrap_cluster_creator_admin_permissions=True,  # the creator's only access entry
            ),
            # No self-managed aws-node/kube-proxy/CoreDNS: the managed add-ons (vpc-cni with its IRSA role)
            # exist before any node joins, so no node ever runs the CNI on node-role credentials.
            bootstrap_self_managed_addons=False,
            # STANDARD: at the end of standard support EKS upgrades rather than bills extended support; valid
            # only for versions in standard support, which the versions table keeps us on (60-day margin).
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type="STANDARD"),
            deletion_protection=args.protect,
            tags=tags,
            opts=stateful_opts(self, args.protect, depends_on=[cluster_policy, log_group]),
        )
        issuer_url = cluster.identities.apply(lambda ids: (ids[0].oidcs or [])[0].issuer or "")
        oidc_provider = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc",
            url=issuer_url,
            client_id_lists=["sts.amazonaws.com"],
            tags=tags,
            opts=child_opts(self),
        )
        node_role = aws.iam.Role(
            f"{name}-node-role",
            assume_role_policy=service_trust_policy("ec2.amazonaws.com"),
            tags=tags,
            opts=child_opts(self),
        )
        self.node_role_attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-node-{policy}",
                role=node_role.name,
                policy_arn=managed_policy_arn(policy),
                opts=child_opts(self),
            )
            for policy in NODE_ROLE_POLICIES
        ]

        self.cluster_name = cluster.name
        self.endpoint = cluster.endpoint
        self.certificate_authority_data = cluster.certificate_authority.apply(lambda ca: ca.data or "")
        self.oidc_provider_arn = oidc_provider.arn
        self.oidc_issuer_url = issuer_url
        self.node_role_arn = node_role.arn
        # Managed node groups run in the cluster security group; Redis admits it.
        self.cluster_security_group_id = cluster.vpc_config.apply(lambda vpc: vpc.cluster_security_group_id or "")
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "endpoint": self.endpoint,
                "certificate_authority_data": self.certificate_authority_data,
                "oidc_provider_arn": self.oidc_provider_arn,
                "oidc_issuer_url": self.oidc_issuer_url,
                "node_role_arn": self.node_role_arn,
                "cluster_security_group_id": self.cluster_security_group_id,
            }
        )
