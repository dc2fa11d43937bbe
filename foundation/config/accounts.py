"""The cloud accounts the platform deploys into."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from foundation.config.base import Model

EksAddonVersion = Annotated[str, StringConstraints(pattern=r"^v\d+\.\d+\.\d+-eksbuild\.\d+$")]


class EksAddonVersions(Model):
    """Pinned versions of the EKS core add-ons (`aws eks describe-addon-versions` lists valid ones)."""

    vpc_cni: EksAddonVersion = Field(description="Amazon VPC CNI add-on build, e.g. v1.20.1-eksbuild.3")
    coredns: EksAddonVersion = Field(description="CoreDNS add-on build")
    kube_proxy: EksAddonVersion = Field(description="kube-proxy add-on build (matches the Kubernetes minor)")
    ebs_csi_driver: EksAddonVersion = Field(description="EBS CSI driver add-on build")


class AwsAccount(Model):
    """The AWS account every AWS region deploys into."""

    account_id: Annotated[str, StringConstraints(pattern=r"^\d{12}$")] = Field(
        description="12-digit account id; providers refuse to act on any other account"
    )
    assume_role_arn: Annotated[str, StringConstraints(pattern=r"^arn:aws:iam::\d{12}:role/.+$")] | None = Field(
        None, description="Role the providers assume to deploy (default: the caller's own credentials)"
    )
    eks_addons: EksAddonVersions = Field(description="Pinned EKS add-on versions")


class GcpProject(Model):
    """The GCP project every GCP region deploys into."""

    project: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")] = Field(
        description="GCP project id"
    )
