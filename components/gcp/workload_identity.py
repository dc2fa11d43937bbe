"""Identities of the Kubernetes layer on GKE: the worker, the jobs API and the reconciler as Google service
accounts through Workload Identity (their region's photo bucket only; the API may also sign upload URLs as
itself), each config-defined queue worker (its own bucket prefix only, by an IAM condition), and cert-manager's
Route53 access through an AWS role federated to the GKE cluster's OIDC issuer (DNS lives in Route53)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp

from components.aws.iam import create_irsa_role, route53_dns01_policy
from components.options import child_opts
from foundation.config import QueueWorkload
from foundation.naming import ACME_SERVICE_ACCOUNT, CERT_MANAGER_NAMESPACE, JOBS_API, RECONCILER, WORKER
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
    queue_workloads: tuple[QueueWorkload, ...] = ()  # each gets a service account of its own


def prefix_condition(bucket: str, prefix: str) -> str:
    """CEL for "objects under `prefix` only": object requests name `projects/_/buckets/<bucket>/objects/<object>`;
    a list request names the bucket, so it is matched on the prefix it asks for
    (`api.getAttribute('storage.googleapis.com/objectListPrefix', '')`, IAM Conditions attribute reference,
    https://cloud.google.com/iam/docs/conditions-attribute-reference, "API attributes"). Conditions take effect
    only on buckets with uniform bucket-level access, as the photo bucket has."""
    return (
        f'resource.name.startsWith("projects/_/buckets/{bucket}/objects/{prefix}") || '
        f'api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("{prefix}")'
    )


class GkeIdentities(pulumi.ComponentResource):
    """Google service accounts of the worker, the jobs API and the reconciler, and cert-manager's AWS role."""

    worker_service_account: pulumi.Output[str]
    api_service_account: pulumi.Output[str]
    reconciler_service_account: pulumi.Output[str]
    queue_service_accounts: dict[str, pulumi.Output[str]]  # by queue workload name
    dns_role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: GkeIdentitiesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:gcp:GkeIdentities", name, None, opts)
        self._name, self._args = name, args
        worker = self._workload_account("worker", WORKER, "GPU worker", "roles/storage.objectUser")
        api = self._workload_account("api", JOBS_API, "jobs API", "roles/storage.objectUser")
        # Upload URLs are V4-signed as the API itself: under Workload Identity the client library calls IAM
        # signBlob, which needs iam.serviceAccounts.signBlob on its own account (Token Creator).
        gcp.serviceaccount.IAMMember(
            f"{name}-api-signs-as-itself",
            service_account_id=api.name,
            role="roles/iam.serviceAccountTokenCreator",
            member=api.email.apply(lambda email: f"serviceAccount:{email}"),
            opts=child_opts(self),
        )
        reconciler = self._workload_account("ledger", RECONCILER, "job reconciler", "roles/storage.objectViewer")
        self.queue_service_accounts = {w.name: self._queue_account(w).email for w in args.queue_workloads}
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
        self.api_service_account = api.email
        self.reconciler_service_account = reconciler.email
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
            {
                "worker_service_account": self.worker_service_account,
                "api_service_account": self.api_service_account,
                "reconciler_service_account": self.reconciler_service_account,
                "queue_service_accounts": self.queue_service_accounts,
                "dns_role_arn": self.dns_role_arn,
            }
        )

    def _workload_account(
        self,
        role: str,
        kubernetes_account: str,
        description: str,
        bucket_role: str,
        *,
        namespace: str | None = None,
        condition: gcp.storage.BucketIAMMemberConditionArgs | None = None,
    ) -> gcp.serviceaccount.Account:
        """A Google service account that one Kubernetes service account (of the photo namespace unless another is
        given) acts as, with a role on the photo bucket (limited by `condition`, if given)."""
        name, args = self._name, self._args
        account = workload_service_account(
            f"{name}-{role}",
            self,
            project=args.project,
            cluster_name=args.cluster_name,
            role=role,
            description=description,
            kubernetes_account=f"{namespace or args.namespace}/{kubernetes_account}",
        )
        gcp.storage.BucketIAMMember(
            f"{name}-{role}-photos",
            bucket=args.bucket_name,
            role=bucket_role,
            member=account.email.apply(lambda email: f"serviceAccount:{email}"),
            condition=condition,
            opts=child_opts(self),
        )
        return account

    def _queue_account(self, workload: QueueWorkload) -> gcp.serviceaccount.Account:
        """A queue worker's own service account: object user on its bucket prefix, nothing else of the bucket."""
        condition = gcp.storage.BucketIAMMemberConditionArgs(
            title=f"{workload.name}-prefix-only",
            description=f"objects under {workload.bucket_prefix} only",
            expression=pulumi.Output.from_input(self._args.bucket_name).apply(
                lambda bucket: prefix_condition(bucket, workload.bucket_prefix)
            ),
        )
        return self._workload_account(
            f"q-{workload.name}",
            workload.name,  # its Kubernetes service account (components/kubernetes/queue_worker.py)
            f"{workload.name} queue worker",
            "roles/storage.objectUser",
            namespace=workload.namespace,
            condition=condition,
        )


def workload_service_account(
    name: str,
    parent: pulumi.Resource,
    *,
    project: str,
    cluster_name: str,
    role: str,
    description: str,
    kubernetes_account: str,
    after: list[pulumi.Resource] | None = None,
) -> gcp.serviceaccount.Account:
    """A Google service account of the cluster that one Kubernetes service account (`namespace/name`) acts as
    through Workload Identity; resources `{name}` and `{name}-workload-identity` (created `after` the cluster
    when the caller is not already ordered after it: the identity pool exists only then)."""
    account = gcp.serviceaccount.Account(
        name,
        account_id=f"{cluster_name.removeprefix('wedsync-')}-{role}"[:30].rstrip("-"),
        display_name=f"{description} of {cluster_name}",
        project=project,
        opts=child_opts(parent),
    )
    gcp.serviceaccount.IAMMember(
        f"{name}-workload-identity",
        service_account_id=account.name,
        role="roles/iam.workloadIdentityUser",
        member=f"serviceAccount:{project}.svc.id.goog[{kubernetes_account}]",
        opts=child_opts(parent, depends_on=after),
    )
    return account
