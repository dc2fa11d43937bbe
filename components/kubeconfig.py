"""Kubeconfigs that authenticate through a credential plugin (no token or file on disk).

On EKS `aws eks get-token` runs as the same principal as the AWS providers: the role they assume
(`aws.assume_role_arn`, which must be the cluster creator) through `--role-arn`, or else the credentials
of the process running pulumi (the CI deploy or preview role). A `--role-arn` naming the CI role itself
would make every CI role assume itself and the kubeconfig differ between preview and up, so it is only
set when the providers assume a role too. Either way the EKS kubeconfig is produced only once
`sts get-caller-identity` (through the providers) shows a declared deployer (`EksClusterAccess.deployer`):
the identity in the exec command is always one with an access entry, or the creator. On GKE
`gke-gcloud-auth-plugin` runs as the process's Google credentials (IAM on the project).
"""

from __future__ import annotations

import json
from typing import Any

import pulumi


def exec_kubeconfig(
    cluster_name: pulumi.Input[str],
    server: pulumi.Input[str],
    ca_data: pulumi.Input[str] | None,
    exec_config: dict[str, Any],
) -> pulumi.Output[str]:
    """A kubeconfig (JSON, a secret) whose user runs `exec_config` (client.authentication.k8s.io/v1beta1).

    Without `ca_data` the server's certificate is checked against the system's public roots (GKE's DNS
    endpoint serves a publicly trusted certificate).
    """

    def build(values: list[str]) -> str:
        name, url, ca = values
        cluster: dict[str, str] = {"server": url}
        if ca:
            cluster["certificate-authority-data"] = ca
        return json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": name, "cluster": cluster}],
                "contexts": [{"name": name, "context": {"cluster": name, "user": name}}],
                "current-context": name,
                "users": [
                    {
                        "name": name,
                        "user": {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", **exec_config}},
                    }
                ],
            }
        )

    return pulumi.Output.secret(pulumi.Output.all(cluster_name, server, ca_data or "").apply(build))


def eks_kubeconfig(
    cluster_name: str,
    endpoint: pulumi.Input[str],
    ca_data: pulumi.Input[str],
    region: str,
    deployer: pulumi.Output[str],
    assume_role_arn: str | None = None,
) -> pulumi.Output[str]:
    """An EKS kubeconfig using `aws eks get-token` (as `assume_role_arn` if the providers assume it), available
    once `deployer` (the verified principal) is."""
    role = ["--role-arn", assume_role_arn] if assume_role_arn else []
    kubeconfig = exec_kubeconfig(
        cluster_name,
        endpoint,
        ca_data,
        {"command": "aws", "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region, *role]},
    )
    return pulumi.Output.all(kubeconfig, deployer).apply(lambda values: values[0])


def gke_kubeconfig(cluster_name: str, dns_endpoint: pulumi.Input[str]) -> pulumi.Output[str]:
    """A GKE kubeconfig for the cluster's DNS-based endpoint, using gke-gcloud-auth-plugin."""
    return exec_kubeconfig(
        cluster_name,
        pulumi.Output.concat("https://", dns_endpoint),
        None,
        {"command": "gke-gcloud-auth-plugin", "provideClusterInfo": True},
    )
