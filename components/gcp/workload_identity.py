"""Identities of the Kubernetes layer on GKE: the worker as a Google service account through workload
identity (its region's photo bucket only), and cert-manager's Route53 access through an AWS role
federated to the GKE cluster's OIDC issuer (DNS lives in Route53)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp

from components.aws.iam import create_irsa_role, route53_dns01_policy
from components.options import child_opts
from foundation.naming import ACME_SERVICE_ACCOUNT, CERT_MANAGER_NAMESPACE, WORKER
from foundation.tags import Tagging


@dataclass(frozen=True)
class GkeIdentitiesArgs:
    """The project, cluster, bucket and namespace, and the AWS provider Route53 is reached with."""

    project: str
    region: str
    cluster_name: str
    bucket_name: pulumi.Input[str]
    namespace: str
    tagging: Tagging
    dns_provider: pulumi.ProviderResource


class GkeIdentities(pulumi.ComponentResource):
    """The worker's Google service account and cert-manager's AWS role."""

    worker_service_account: pulumi.Output[str]
    dns_role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: GkeIdentitiesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:gcp:GkeIdentities", name, None, opts)
        worker = gcp.serviceaccount.Account(
            f"{name}-worker",
            account_id=f"{args.cluster_name.removeprefix('wedsync-')}-worker"[:30].rstrip("-"),
            display_name=f"GPU worker of {args.cluster_name}",
            project=args.project,
            opts=child_opts(self),
        )
        gcp.serviceaccount.IAMMember(
            f"{name}-worker-workload-identity",
            service_account_id=worker.name,
            role="roles/iam.workloadIdentityUser",
            member=f"serviceAccount:{args.project}.svc.id.goog[{args.namespace}/{WORKER}]",
            opts=child_opts(self),
        )
        gcp.storage.BucketIAMMember(
            f"{name}-worker-photos",
            bucket=args.bucket_name,
            role="roles/storage.objectUser",
            member=worker.email.apply(lambda email: f"serviceAccount:{email}"),
            opts=child_opts(self),
        )
        issuer = (
            f"https://container.googleapis.com/v1/projects/{args.project}/locations/{args.region}/clusters/"
            f"{args.cluster_name}"
        )
        tags = args.tagging.for_component("workload-identity")
        oidc = aws.iam.OpenIdConnectProvider(
            f"{name}-gke-oidc",
            url=issuer,
            client_id_lists=["sts.amazonaws.com"],
            tags=tags,
            opts=child_opts(self, provider=args.dns_provider),
        )
        self.worker_service_account = worker.email
        self.dns_role_arn = create_irsa_role(
            f"{name}-acme-dns",
            oidc.arn,
            issuer,
            CERT_MANAGER_NAMESPACE,
            ACME_SERVICE_ACCOUNT,
            tags,
            child_opts(self, provider=args.dns_provider),
            inline_policy=route53_dns01_policy(),
        ).arn
        self.register_outputs(
            {"worker_service_account": self.worker_service_account, "dns_role_arn": self.dns_role_arn}
        )
