"""EKS managed add-ons at pinned builds, with IRSA roles for the two that call AWS APIs.

Order (EKS user guide, "Manage networking add-ons"): the cluster is created without self-managed add-ons,
`vpc-cni` (with its IRSA role) and `kube-proxy` before the node groups so nodes become Ready on the
CNI's own credentials, CoreDNS and the EBS CSI driver after the nodes (they wait for running pods).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.iam import create_irsa_role, managed_policy_arn
from components.options import child_opts
from foundation.config import EksAddonPins
from foundation.tags import Tagging

# vpc-cni enforces Kubernetes NetworkPolicy itself (the namespace's default-deny relies on it).
VPC_CNI_CONFIGURATION = json.dumps({"enableNetworkPolicy": "true"})
NETWORK_ADDONS = ("vpc-cni", "kube-proxy")  # before the nodes
CLUSTER_ADDONS = ("coredns", "aws-ebs-csi-driver")  # after the nodes


@dataclass(frozen=True)
class IrsaAddon:
    """An add-on whose service account needs an AWS role."""

    service_account: str
    policy: str


IRSA_ADDONS = {
    "vpc-cni": IrsaAddon("aws-node", managed_policy_arn("AmazonEKS_CNI_Policy")),
    "aws-ebs-csi-driver": IrsaAddon(
        "ebs-csi-controller-sa", managed_policy_arn("service-role/AmazonEBSCSIDriverPolicy")
    ),
}


def addon_version(pins: EksAddonPins, addon_name: str) -> str:
    """The pinned build of an add-on (`vpc-cni` -> pins.vpc_cni)."""
    field = {"aws-ebs-csi-driver": "ebs_csi_driver"}.get(addon_name, addon_name.replace("-", "_"))
    return str(getattr(pins, field).version)


@dataclass(frozen=True)
class EksAddonsArgs:
    """The cluster, its OIDC provider, which add-ons, their pinned builds, and what must exist first."""

    cluster_name: pulumi.Input[str]
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]
    addons: tuple[str, ...]
    pins: EksAddonPins
    tagging: Tagging
    after: Sequence[pulumi.Resource] = ()


class EksAddons(pulumi.ComponentResource):
    """A group of managed add-ons, never floating; `addon_versions` maps each name to its build."""

    addon_versions: pulumi.Output[dict[str, str]]

    def __init__(self, name: str, args: EksAddonsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:aws:EksAddons", name, None, opts)
        tags = args.tagging.for_component("eks-addons")
        versions = {addon: addon_version(args.pins, addon) for addon in args.addons}
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
                opts=child_opts(self, depends_on=list(args.after)),
            )

        self.addon_versions = pulumi.Output.from_input(versions)
        self.register_outputs({"addon_versions": self.addon_versions})
