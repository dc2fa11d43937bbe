"""Kubeconfigs that authenticate through a credential plugin (no token or file on disk)."""

from __future__ import annotations

import json
from typing import Any

import pulumi


def exec_kubeconfig(
    cluster_name: pulumi.Input[str],
    server: pulumi.Input[str],
    ca_data: pulumi.Input[str],
    exec_config: dict[str, Any],
) -> pulumi.Output[str]:
    """A kubeconfig (JSON, a secret) whose user runs `exec_config` (client.authentication.k8s.io/v1beta1)."""

    def build(values: list[str]) -> str:
        name, url, ca = values
        return json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": name, "cluster": {"server": url, "certificate-authority-data": ca}}],
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

    return pulumi.Output.secret(pulumi.Output.all(cluster_name, server, ca_data).apply(build))


def eks_kubeconfig(
    cluster_name: str, endpoint: pulumi.Input[str], ca_data: pulumi.Input[str], region: str
) -> pulumi.Output[str]:
    """An EKS kubeconfig using `aws eks get-token`."""
    return exec_kubeconfig(
        cluster_name,
        endpoint,
        ca_data,
        {"command": "aws", "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region]},
    )


def gke_kubeconfig(cluster_name: str, endpoint: pulumi.Input[str], ca_data: pulumi.Input[str]) -> pulumi.Output[str]:
    """A GKE kubeconfig using gke-gcloud-auth-plugin."""
    return exec_kubeconfig(
        cluster_name,
        pulumi.Output.concat("https://", endpoint),
        ca_data,
        {"command": "gke-gcloud-auth-plugin", "provideClusterInfo": True},
    )
