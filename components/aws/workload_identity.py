"""IRSA roles of the Kubernetes layer on EKS: the worker and the jobs API (its region's photos and key only),
the reconciler (ledger reads only), each config-defined queue worker (its own bucket prefix only), the cluster
autoscaler, and cert-manager's Route53 access for DNS-01."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.aws.iam import create_irsa_role, route53_dns01_policy
from components.options import child_opts
from foundation.audit import eks_node_group_arns
from foundation.config import QueueWorkload
from foundation.iam_documents import policy_document
from foundation.naming import (
    ACME_SERVICE_ACCOUNT,
    CERT_MANAGER_NAMESPACE,
    JOBS_API,
    LEDGER_PREFIX,
    PHOTOS_PREFIX,
    RECONCILER,
    WORKER,
)
from foundation.tags import Tagging


@dataclass(frozen=True)
class EksIdentitiesArgs:
    """The cluster's OIDC provider, what the worker may touch, and the Kubernetes names."""

    cluster_name: str
    region: str
    account_id: str
    oidc_provider_arn: pulumi.Input[str]
    oidc_issuer_url: pulumi.Input[str]
    bucket_arn: pulumi.Input[str]
    key_arn: pulumi.Input[str]
    namespace: str
    tagging: Tagging
    queue_workloads: tuple[QueueWorkload, ...] = ()  # each gets a role of its own


def photo_access_policy(bucket_arn: str, key_arn: str) -> str:
    """Read and write photos (and the job ledger under them); list only the ledger; the bucket key."""
    return policy_document(
        {
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": [bucket_arn],
            "Condition": {"StringLike": {"s3:prefix": [f"{PHOTOS_PREFIX}/{LEDGER_PREFIX}/*"]}},
        },
        {
            "Effect": "Allow",
            "Action": ["s3:GetObject", "s3:PutObject"],
            "Resource": [f"{bucket_arn}/{PHOTOS_PREFIX}/*"],
        },
        {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], "Resource": [key_arn]},
    )


def prefix_access_policy(bucket_arn: str, key_arn: str, prefix: str, region: str) -> str:
    """Read, write and list the objects under one prefix of the bucket (a queue worker's `bucket_prefix`, ending
    in /), and use the bucket's key only through S3 in the bucket's region."""
    return policy_document(
        {
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": [bucket_arn],
            "Condition": {"StringLike": {"s3:prefix": [f"{prefix}*"]}},
        },
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": [f"{bucket_arn}/{prefix}*"]},
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
            "Resource": [key_arn],
            "Condition": {"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
        },
    )


def ledger_read_policy(bucket_arn: str, key_arn: str) -> str:
    """List and read the job ledger, nothing else of the bucket."""
    ledger = f"{PHOTOS_PREFIX}/{LEDGER_PREFIX}"
    return policy_document(
        {
            "Effect": "Allow",
            "Action": ["s3:ListBucket"],
            "Resource": [bucket_arn],
            "Condition": {"StringLike": {"s3:prefix": [f"{ledger}/*"]}},
        },
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [f"{bucket_arn}/{ledger}/*"]},
        {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [key_arn]},
    )


class EksIdentities(pulumi.ComponentResource):
    """Role ARNs for the worker, the jobs API, the reconciler, the queue workers (by workload name), the cluster
    autoscaler and cert-manager."""

    worker_role_arn: pulumi.Output[str]
    queue_role_arns: dict[str, pulumi.Output[str]]
    api_role_arn: pulumi.Output[str]
    reconciler_role_arn: pulumi.Output[str]
    autoscaler_role_arn: pulumi.Output[str]
    dns_role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: EksIdentitiesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:aws:EksIdentities", name, None, opts)
        tags = args.tagging.for_component("workload-identity")

        def role(role_name: str, namespace: str, account: str, policy: pulumi.Input[str]) -> pulumi.Output[str]:
            return create_irsa_role(
                f"{name}-{role_name}",
                args.oidc_provider_arn,
                args.oidc_issuer_url,
                namespace,
                account,
                tags,
                child_opts(self),
                inline_policy=policy,
            ).arn

        def prefix_only(prefix: str) -> pulumi.Output[str]:
            keys = pulumi.Output.all(args.bucket_arn, args.key_arn)
            return keys.apply(lambda v: prefix_access_policy(v[0], v[1], prefix, args.region))

        photos = pulumi.Output.all(args.bucket_arn, args.key_arn).apply(lambda v: photo_access_policy(v[0], v[1]))
        ledger = pulumi.Output.all(args.bucket_arn, args.key_arn).apply(lambda v: ledger_read_policy(v[0], v[1]))
        autoscaler_policy = policy_document(
            {
                "Effect": "Allow",
                "Action": [
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations",
                    "autoscaling:DescribeScalingActivities",
                    "autoscaling:DescribeTags",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements",
                ],
                # These Describe/Get actions support no resource-level permissions ("Resource types" column empty):
                # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2autoscaling.html
                # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html
                "Resource": "*",
            },
            {
                # eks:DescribeNodegroup takes the `nodegroup` resource type (arn:...:nodegroup/<cluster>/<name>/<uuid>):
                # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelastickubernetesservice.html
                "Effect": "Allow",
                "Action": ["eks:DescribeNodegroup"],
                "Resource": eks_node_group_arns(args.region, args.account_id, args.cluster_name),
            },
            {
                "Effect": "Allow",
                "Action": ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{args.cluster_name}": "owned"}
                },
            },
        )
        self.worker_role_arn = role("worker", args.namespace, WORKER, photos)
        self.api_role_arn = role("jobs-api", args.namespace, JOBS_API, photos)  # it also signs upload forms
        self.reconciler_role_arn = role("reconciler", args.namespace, RECONCILER, ledger)
        self.queue_role_arns = {
            workload.name: role(
                f"queue-{workload.name}",
                workload.namespace,
                workload.name,  # the queue worker's service account (components/kubernetes/queue_worker.py)
                prefix_only(workload.bucket_prefix),
            )
            for workload in args.queue_workloads
        }
        self.autoscaler_role_arn = role("cluster-autoscaler", "kube-system", "cluster-autoscaler", autoscaler_policy)
        self.dns_role_arn = role("acme-dns", CERT_MANAGER_NAMESPACE, ACME_SERVICE_ACCOUNT, route53_dns01_policy())
        self.register_outputs(
            {
                "worker_role_arn": self.worker_role_arn,
                "api_role_arn": self.api_role_arn,
                "reconciler_role_arn": self.reconciler_role_arn,
                "queue_role_arns": self.queue_role_arns,
                "autoscaler_role_arn": self.autoscaler_role_arn,
                "dns_role_arn": self.dns_role_arn,
            }
        )
