"""GitHub Actions on GCP: Workload Identity Federation and one service account per CI job.

GitHub's token is exchanged in a workload identity pool whose provider admits only this repository
(`attribute_condition`); each service account may be impersonated only by the token subject of its job
(`principal://.../subject/<sub>`), so a pull request can never act as the deploy account.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import pulumi
import pulumi_gcp as gcp

from foundation.deployment import (
    DEPLOY_ROLE,
    GCP_POOL_ID,
    GCP_PROVIDER_ID,
    GITHUB_OIDC_HOST,
    IMAGE_PUSH_ROLE,
    PREVIEW_ROLE,
    CiRole,
    github_subjects,
)

# APIs the federation needs before its first use (never disabled on destroy: the platform uses them too).
APIS = (
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "sts.googleapis.com",
    "cloudresourcemanager.googleapis.com",
)
PROJECT_ROLES: dict[CiRole, tuple[str, ...]] = {
    PREVIEW_ROLE: ("roles/viewer",),
    DEPLOY_ROLE: (
        "roles/editor",
        "roles/resourcemanager.projectIamAdmin",
        "roles/iam.serviceAccountAdmin",
        "roles/container.admin",
        "roles/cloudkms.admin",
        "roles/serviceusage.serviceUsageAdmin",
    ),
    IMAGE_PUSH_ROLE: ("roles/artifactregistry.writer",),
}


def _principal(project_number: str, subject: str) -> str:
    """The federated identity of one GitHub token subject."""
    return (
        f"principal://iam.googleapis.com/projects/{project_number}/locations/global/"
        f"workloadIdentityPools/{GCP_POOL_ID}/subject/{subject}"
    )


@dataclass(frozen=True)
class GithubGcpArgs:
    project: str
    repository: str
    environment: str


class GithubGcp(pulumi.ComponentResource):
    """The pool, its GitHub provider and the CI service accounts of one project."""

    workload_identity_provider: pulumi.Output[str]
    service_accounts: pulumi.Output[dict[str, str]]

    def __init__(self, name: str, args: GithubGcpArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:bootstrap:GithubGcp", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        apis = [
            gcp.projects.Service(
                f"{name}-{api.split('.')[0]}", project=args.project, service=api, disable_on_destroy=False, opts=child
            )
            for api in APIS
        ]
        after_apis = pulumi.ResourceOptions(parent=self, depends_on=apis)
        pool = gcp.iam.WorkloadIdentityPool(
            f"{name}-pool",
            project=args.project,
            workload_identity_pool_id=GCP_POOL_ID,
            display_name="GitHub Actions",
            opts=after_apis,
        )
        provider = gcp.iam.WorkloadIdentityPoolProvider(
            f"{name}-provider",
            project=args.project,
            workload_identity_pool_id=pool.workload_identity_pool_id,
            workload_identity_pool_provider_id=GCP_PROVIDER_ID,
            display_name="GitHub Actions OIDC",
            attribute_mapping={
                "google.subject": "assertion.sub",
                "attribute.repository": "assertion.repository",
                "attribute.ref": "assertion.ref",
            },
            attribute_condition=f"assertion.repository == '{args.repository}'",
            oidc=gcp.iam.WorkloadIdentityPoolProviderOidcArgs(issuer_uri=f"https://{GITHUB_OIDC_HOST}"),
            opts=child,
        )
        number = gcp.organizations.get_project_output(project_id=args.project).number
        subjects = github_subjects(args.repository, args.environment)
        emails: dict[str, pulumi.Output[str]] = {}
        for role, project_roles in PROJECT_ROLES.items():
            account = gcp.serviceaccount.Account(
                f"{name}-{role.name}",
                project=args.project,
                account_id=role.name,
                display_name=role.purpose,
                opts=after_apis,
            )
            gcp.serviceaccount.IAMMember(
                f"{name}-{role.name}-federated",
                service_account_id=account.name,
                role="roles/iam.workloadIdentityUser",
                member=number.apply(partial(_principal, subject=subjects[role.name])),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[provider]),
            )
            for project_role in project_roles:
                gcp.projects.IAMMember(
                    f"{name}-{role.name}-{project_role.removeprefix('roles/').replace('.', '-')}",
                    project=args.project,
                    role=project_role,
                    member=account.email.apply(lambda email: f"serviceAccount:{email}"),
                    opts=child,
                )
            emails[role.name] = account.email
        self.workload_identity_provider = provider.name
        self.service_accounts = pulumi.Output.all(**emails)
        self.register_outputs(
            {"workload_identity_provider": self.workload_identity_provider, "service_accounts": self.service_accounts}
        )
