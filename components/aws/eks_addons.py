"""The EKS core add-ons at pinned versions, with IRSA roles for the two that call AWS APIs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.iam import create_irsa_role, managed_policy_arn
from components.options import child_opts
from foundation.config import EksAddonVersions
from foundation.tags import Tagging

# vpc-cni enforces Kubernetes NetworkPolicy itself (the namespace's default-deny relies on it).
VPC_CNI_CONFIGURATION = json.dumps({"enableNetworkPolicy": "true"})


@dataclass(frozen=True)
class IrsaAddon:
    """An add-on whose service account needs an AWS role."""

    addon_name: str
    service_account: str
    policy: str


IRSA_ADDONS = {
    "vpc-cni": IrsaAddon("vpc-cni", "aws-node", managed_policy_arn("AmazonEKS_CNI_Policy")),
    "aws-ebs-csi-driver": IrsaAddon(
        "aws-ebs-csi-driver",
        "ebs-csi-controller-sa",
        managed_policy_arn("service-role/AmazonEBSCSIDriverPolicy"),
    ),
}


@dataclass(frozen=True)
class EksAddonsArgs:
    """The cluster, its OIDC provider, the pinned versions, and what must run first."""

    cluster_name: pulumi.Input[str]
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]
    versions: EksAddonVersions
    tagging: Tagging
    after_nodes: Sequence[pulumi.Resource] = ()


class EksAddons(pulumi.ComponentResource):
    """vpc-cni (with network policy), coredns, kube-proxy and the EBS CSI driver, never floating."""

    addon_versions: pulumi.Output[dict[str, str]]

    def __init__(self, name: str, args: EksAddonsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:aws:EksAddons", name, None, opts)
        tags = args.tagging.for_component("eks-addons")
        versions = {
            "vpc-cni": args.versions.vpc_cni,
            "coredns": args.versions.coredns,
            "kube-proxy": args.versions.kube_proxy,
            "aws-ebs-csi-driver": args.versions.ebs_csi_driver,
        }
        for addon_name, version in versions.items():
            irsa = IRSA_ADDONS.get(addon_name)
            aws.eks.Addon(
                f"{name}-{addon_name}",
                cluster_name=args.cluster_name,
                addon_name=addon_name,
                addon_version=version,
                configuration_values=VPC_CNI_CONFIGURATION if addon_name == "vpc-cni" else None,
                service_account_role_arn=create_irsa_role(
                    f"{name}-{addon_name}-irsa",
                    args.oidc_provider_arn,
                    args.oidc_issuer_url,
                    "kube-system",
                    irsa.service_account,
                    tags,
                    child_opts(self),
                    managed_policies=(irsa.policy,),
                ).arn
                if irsa
                else None,
                resolve_conflicts_on_create="OVERWRITE",
                resolve_conflicts_on_update="OVERWRITE",
                tags=tags,
                opts=child_opts(self, depends_on=list(args.after_nodes)),
            )

        self.addon_versions = pulumi.Output.from_input(versions)
        self.register_outputs({"addon_versions": self.addon_versions})
