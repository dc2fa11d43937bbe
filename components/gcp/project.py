"""Project-level setup of the GCP project, once per stack: the APIs the program uses, enabled before first use,
the deployers' IAM that lets them reach the GKE clusters' DNS endpoints, and Binary Authorization."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.gcp.binary_authorization import BinaryAuthorization, BinaryAuthorizationArgs
from components.options import child_opts
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
        self.register_outputs({})
