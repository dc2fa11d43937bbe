"""The cloud accounts the platform deploys into, and who may reach their clusters."""

from __future__ import annotations

from enum import StrEnum
from ipaddress import IPv4Network
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator, model_validator

from foundation.config.base import Model
from foundation.config.problems import PathPart, raise_if_any

RoleArn = Annotated[str, StringConstraints(pattern=r"^arn:aws:iam::\d{12}:role/[\w+=,.@/-]+$")]
ServiceAccountEmail = Annotated[
    str,
    StringConstraints(
        pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$"
    ),
]


class DeployerAccess(StrEnum):
    """What a deployer identity may do inside the clusters."""

    ADMIN = "admin"  # applies changes (`pulumi up`)
    PREVIEW = "preview"  # reads, and server-side dry-runs writes (`pulumi preview`)


class AwsDeployerRole(Model):
    """An IAM role, other than the cluster creator, that reaches every EKS cluster."""

    role_arn: RoleArn = Field(description="The role's ARN (in this account)")
    access: DeployerAccess = Field(description="admin (cluster admin) or preview (read and dry-run only)")


class AwsAccount(Model):
    """The AWS account every AWS region deploys into, and the identities and addresses that reach its clusters."""

    account_id: Annotated[str, StringConstraints(pattern=r"^\d{12}$")] = Field(
        description="12-digit account id; providers refuse to act on any other account"
    )
    assume_role_arn: RoleArn | None = Field(
        None,
        description="Role the providers assume to deploy (default: the caller's own credentials); when set it "
        "must be cluster_creator_arn",
    )
    cluster_creator_arn: RoleArn = Field(
        description="The role `pulumi up` runs as (the CI deploy role): it creates the EKS clusters, so EKS makes "
        "it cluster admin through bootstrap_cluster_creator_admin_permissions; it gets no access entry of its own"
    )
    deployer_roles: tuple[AwsDeployerRole, ...] = Field(
        (), description="Every other role that must reach the clusters, e.g. the CI preview role"
    )
    api_access_cidrs: tuple[IPv4Network, ...] = Field(
        min_length=1,
        description="Egress CIDRs of the runners and workstations that run pulumi: the only addresses the EKS "
        "API servers' public endpoints admit (requests are still authenticated by IAM)",
    )

    @field_validator("api_access_cidrs")
    @classmethod
    def _no_open_endpoint(cls, cidrs: tuple[IPv4Network, ...]) -> tuple[IPv4Network, ...]:
        for cidr in cidrs:
            if cidr.prefixlen == 0:
                raise ValueError("must not contain 0.0.0.0/0: the cluster API is never open to the internet")
        return cidrs

    @model_validator(mode="after")
    def _deployers_fit_the_account(self) -> AwsAccount:
        problems: list[tuple[tuple[PathPart, ...], str]] = []
        arns: list[tuple[tuple[PathPart, ...], str]] = [(("cluster_creator_arn",), self.cluster_creator_arn)]
        arns += [(("deployer_roles", i, "role_arn"), r.role_arn) for i, r in enumerate(self.deployer_roles)]
        seen: set[str] = set()
        for path, arn in arns:
            if arn.split(":")[4] != self.account_id:
                problems.append((path, f"must be a role in account {self.account_id} (got {arn})"))
            if arn in seen:
                problems.append(
                    (path, f"names {arn} twice: one access entry per principal (the creator already is admin)")
                )
            seen.add(arn)
        if self.assume_role_arn not in (None, self.cluster_creator_arn):
            problems.append(
                (
                    ("assume_role_arn",),
                    "must equal cluster_creator_arn: the role the providers act as creates the clusters "
                    f"(got {self.assume_role_arn})",
                )
            )
        raise_if_any(problems)
        return self


class GcpDeployer(Model):
    """A Google service account, other than the one running `pulumi up`, that reaches every GKE cluster."""

    service_account: ServiceAccountEmail = Field(description="The service account's e-mail")
    access: DeployerAccess = Field(description="admin or preview (read and dry-run only)")


class GcpProject(Model):
    """The GCP project every GCP region deploys into."""

    project: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")] = Field(
        description="GCP project id"
    )
    deployers: tuple[GcpDeployer, ...] = Field(
        (),
        description="Service accounts besides the deploy account (which has roles/container.admin from the "
        "bootstrap) that reach the GKE clusters through their DNS endpoints, e.g. the CI preview account",
    )

    @model_validator(mode="after")
    def _one_entry_per_account(self) -> GcpProject:
        emails = [d.service_account for d in self.deployers]
        raise_if_any(
            [
                (("deployers", i, "service_account"), f"names {email} twice")
                for i, email in enumerate(emails)
                if email in emails[:i]
            ]
        )
        return self
