"""Project-level setup of the GCP project, once per stack: the APIs the program uses, enabled before first use,
the deployers' IAM that lets them reach the GKE clusters' DNS endpoints, Binary Authorization, and the audit
trail: Data Access audit logs for Cloud Storage and Cloud KMS, kept (with the subnets' flow logs, in the
`_Default` bucket) for a year."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.gcp.binary_authorization import BinaryAuthorization, BinaryAuthorizationArgs
from components.options import child_opts
from foundation.audit import AUDIT_LOG_RETENTION_DAYS, GCP_AUDIT_LOG_TYPES, GCP_AUDITED_SERVICES
from foundation.config import GcpDeployer
from foundation.deployers import GKE_IAM_ROLES
from foundation.gcp_apis import PROGRAM_APIS


@dataclass(frozen=True)
class GcpProjectSetupArgs:
    """The project and the deployers besides the deploy account."""

    project: str
    deployers: tuple[GcpDeployer, ...]
    binary_authorization: BinaryAuthorizationArgs


class GcpProjectSetup(pulumi.ComponentResource):
    """Every API of `PROGRAM_APIS` (left enabled on destroy: other things may use them) and deployer IAM.

    Regions depend on this component, so nothing regional starts before its APIs are on.
    """

    services: dict[str, gcp.projects.Service]

    def __init__(self, name: str, args: GcpProjectSetupArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:gcp:ProjectSetup", name, None, opts)
        self.services = {
            api: gcp.projects.Service(
                f"{name}-{api.split('.')[0]}",
                project=args.project,
                service=api,
                disable_on_destroy=False,
                disable_dependent_services=False,
                opts=child_opts(self),
            )
            for api in PROGRAM_APIS
        }
        for index, deployer in enumerate(args.deployers):
            gcp.projects.IAMMember(
                f"{name}-deployer-{index}-{deployer.access.value}",
                project=args.project,
                role=GKE_IAM_ROLES[deployer.access],
                member=f"serviceAccount:{deployer.service_account}",
                opts=child_opts(self, depends_on=[self.services["cloudresourcemanager.googleapis.com"]]),
            )
        BinaryAuthorization(
            f"{name}-binauthz",
            args.binary_authorization,
            child_opts(self, depends_on=list(self.services.values())),
        )
        self._audit_logs(name, args.project)
        self.register_outputs({})

    def _audit_logs(self, name: str, project: str) -> None:
        """Who read or wrote which object or key (Data Access logs are off by default, Admin Activity always on),
        and a year's retention for the `_Default` bucket they land in (30 days unless set)."""
        for service in GCP_AUDITED_SERVICES:
            gcp.projects.IAMAuditConfig(
                f"{name}-audit-{service.split('.')[0]}",
                project=project,
                service=service,
                audit_log_configs=[
                    gcp.projects.IAMAuditConfigAuditLogConfigArgs(log_type=t) for t in GCP_AUDIT_LOG_TYPES
                ],
                opts=child_opts(self, depends_on=[self.services["cloudresourcemanager.googleapis.com"]]),
            )
        gcp.logging.ProjectBucketConfig(
            f"{name}-default-log-bucket",
            project=project,
            location="global",
            bucket_id="_Default",
            retention_days=AUDIT_LOG_RETENTION_DAYS,
            opts=child_opts(self, depends_on=[self.services["logging.googleapis.com"]]),
        )
