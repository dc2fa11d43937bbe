"""The photography-ai namespace: Pod Security `restricted`, quota and limits, default-deny plus exactly
the flows the workloads need."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.objects import meta
from foundation.naming import (
    ENVOY_STATS_PORT,
    GATEWAY_NAMESPACE,
    GKE_METADATA_SERVER,
    ISTIO_NAMESPACE,
    METRICS_PORT,
    MONITORING_NAMESPACE,
)

NAMESPACE_LABEL = "kubernetes.io/metadata.name"


@dataclass(frozen=True)
class PhotoNamespaceArgs:
    """The namespace's name, its quota's `hard` limits (components/kubernetes/quota.py), the Redis port its
    workloads reach (6379, or 6378 with TLS on GCP), and whether they fetch credentials from the GKE metadata
    server (Workload Identity)."""

    name: str
    quota_hard: dict[str, str]
    redis_port: int
    metadata_server: bool = False
    gateway_ingress: bool = True  # the ingress gateway reaches its pods (false for queue workers: no API)
    scrape_ports: tuple[int, ...] = (METRICS_PORT,)  # the ports Prometheus scrapes (besides the sidecars' stats)


def _from_namespace(namespace: str) -> k8s.networking.v1.NetworkPolicyPeerArgs:
    return k8s.networking.v1.NetworkPolicyPeerArgs(
        namespace_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={NAMESPACE_LABEL: namespace})
    )


def _ports(*ports: tuple[int, str]) -> list[k8s.networking.v1.NetworkPolicyPortArgs]:
    return [k8s.networking.v1.NetworkPolicyPortArgs(port=port, protocol=protocol) for port, protocol in ports]


class PhotoNamespace(pulumi.ComponentResource):
    """The namespace and its guardrails."""

    namespace: pulumi.Output[str]

    def __init__(self, name: str, args: PhotoNamespaceArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:k8s:PhotoNamespace", name, None, opts)
        ns = args.name
        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=meta(
                ns,
                extra_labels={
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "pod-security.kubernetes.io/audit": "restricted",
                    "pod-security.kubernetes.io/warn": "restricted",
                    "istio-injection": "enabled",
                },
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        child = pulumi.ResourceOptions(parent=self, depends_on=[namespace])
        k8s.core.v1.ResourceQuota(
            f"{name}-quota",
            metadata=meta(f"{ns}-quota", ns),
            spec=k8s.core.v1.ResourceQuotaSpecArgs(hard=args.quota_hard),
            opts=child,
        )
        k8s.core.v1.LimitRange(
            f"{name}-limits",
            metadata=meta(f"{ns}-limits", ns),
            spec=k8s.core.v1.LimitRangeSpecArgs(
                limits=[
                    k8s.core.v1.LimitRangeItemArgs(
                        type="Container",
                        default={"cpu": "1", "memory": "1Gi"},
                        default_request={"cpu": "250m", "memory": "256Mi"},
                        max={"cpu": "16", "memory": "64Gi"},
                    )
                ]
            ),
            opts=child,
        )
        self._policy(
            name,
            ns,
            "default-deny",
            k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=k8s.meta.v1.LabelSelectorArgs(), policy_types=["Ingress", "Egress"]
            ),
            child,
        )
        self._policy(
            name,
            ns,
            "allow-gateway-and-metrics",
            k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=k8s.meta.v1.LabelSelectorArgs(),
                policy_types=["Ingress"],
                ingress=[
                    *(
                        [k8s.networking.v1.NetworkPolicyIngressRuleArgs(from_=[_from_namespace(GATEWAY_NAMESPACE)])]
                        if args.gateway_ingress
                        else []
                    ),
                    k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                        from_=[_from_namespace(MONITORING_NAMESPACE)],
                        ports=_ports(*((port, "TCP") for port in args.scrape_ports), (ENVOY_STATS_PORT, "TCP")),
                    ),  # Prometheus: the workloads' metrics port and their sidecars' Envoy stats
                ],
            ),
            child,
        )
        self._policy(
            name,
            ns,
            "allow-egress",
            k8s.networking.v1.NetworkPolicySpecArgs(
                pod_selector=k8s.meta.v1.LabelSelectorArgs(),
                policy_types=["Egress"],
                egress=[
                    k8s.networking.v1.NetworkPolicyEgressRuleArgs(ports=_ports((53, "UDP"), (53, "TCP"))),  # DNS
                    k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                        to=[_from_namespace(ISTIO_NAMESPACE)], ports=_ports((15012, "TCP"))
                    ),  # istiod
                    k8s.networking.v1.NetworkPolicyEgressRuleArgs(ports=_ports((args.redis_port, "TCP"))),  # Redis
                    k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                        ports=_ports((443, "TCP"))
                    ),  # object storage, identity
                    *(
                        k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                            to=[
                                k8s.networking.v1.NetworkPolicyPeerArgs(
                                    ip_block=k8s.networking.v1.IPBlockArgs(cidr=cidr)
                                )
                            ],
                            ports=_ports((port, "TCP")),
                        )
                        for cidr, port in (GKE_METADATA_SERVER if args.metadata_server else ())
                    ),  # Workload Identity credentials on GKE
                ],
            ),
            child,
        )
        self.namespace = namespace.metadata.apply(lambda m: m.name or "")
        self.register_outputs({"namespace": self.namespace})

    def _policy(
        self,
        name: str,
        ns: str,
        policy: str,
        spec: k8s.networking.v1.NetworkPolicySpecArgs,
        opts: pulumi.ResourceOptions,
    ) -> None:
        k8s.networking.v1.NetworkPolicy(f"{name}-{policy}", metadata=meta(policy, ns), spec=spec, opts=opts)
