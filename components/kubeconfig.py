"""Kubeconfigs that authenticate through a credential plugin (no token or file on disk).

The plugin runs as the credentials of the process running pulumi: on EKS `aws eks get-token` (that
principal must have an access entry, or be the creator), on GKE `gke-gcloud-auth-plugin` (IAM on the
project). Naming a role with `--role-arn` would make every CI role assume itself and would make the
provider's kubeconfig differ between preview (preview role) and up (deploy role); instead the EKS
kubeconfig is only produced once the running principal is verified to be a declared deployer
(`EksClusterAccess.deployer`), so the identity in the exec command is always one that has access.
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
) -> pulumi.Output[str]:
    """An EKS kubeconfig using `aws eks get-token`, available once `deployer` (the verified principal) is."""
    kubeconfig = exec_kubeconfig(
        cluster_name,
        endpoint,
        ca_data,
        {"command": "aws", "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region]},
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
