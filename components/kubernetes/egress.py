"""A namespace's calls to external HTTPS APIs, confined to an allow-list and routed through the egress gateway.

Follows Istio's "Egress Gateways" task (https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/,
section "Egress gateway for HTTPS traffic"): a ServiceEntry per host makes it known to the mesh; a Gateway on the
egress gateway passes TLS through for those hosts on 443; a VirtualService sends the sidecars' traffic for each
host to the gateway and the gateway's on to the host. The namespace's Sidecar sets `outboundTrafficPolicy:
REGISTRY_ONLY` (https://istio.io/latest/docs/reference/config/networking/sidecar/), so any host not in the
registry is refused by the workers' own proxies. The application keeps TLS end to end (SNI passthrough).
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.objects import meta
from foundation.naming import EGRESS_NAMESPACE, EGRESS_RELEASE

EGRESS_SELECTOR = {"istio": "egressgateway"}  # the gateway chart's label for release istio-egressgateway
HTTPS = 443
EGRESS_HOST = f"{EGRESS_RELEASE}.{EGRESS_NAMESPACE}.svc.cluster.local"
ISTIO_NETWORKING = "networking.istio.io/v1"


def _resource_name(host: str) -> str:
    return host.replace("*.", "any-").replace(".", "-")


def create_egress(
    name: str,
    namespace: str,
    gateway_hosts: Sequence[str],
    direct_hosts: Sequence[str],
    opts: pulumi.ResourceOptions,
) -> None:
    """ServiceEntries for every allowed host, the namespace's REGISTRY_ONLY Sidecar, and the Gateway and
    VirtualServices that route `gateway_hosts` (external AI APIs) through the egress gateway. `direct_hosts`
    (the cloud's own storage and identity endpoints) are allowed straight from the sidecar."""
    for host in (*gateway_hosts, *direct_hosts):
        k8s.apiextensions.CustomResource(
            f"{name}-egress-{_resource_name(host)}",
            api_version=ISTIO_NETWORKING,
            kind="ServiceEntry",
            metadata=meta(_resource_name(host), namespace),
            spec={
                "hosts": [host],
                "ports": [{"number": HTTPS, "name": "tls", "protocol": "TLS"}],
                # A wildcard host cannot be resolved by DNS: the sidecar forwards to the address the app resolved
                # (ServiceEntry `resolution: NONE`, https://istio.io/latest/docs/reference/config/networking/service-entry/)
                "resolution": "NONE" if host.startswith("*.") else "DNS",
                "location": "MESH_EXTERNAL",
                "exportTo": [".", EGRESS_NAMESPACE],  # this namespace and the egress gateway only
            },
            opts=opts,
        )
    k8s.apiextensions.CustomResource(
        f"{name}-sidecar",
        api_version=ISTIO_NETWORKING,
        kind="Sidecar",
        metadata=meta("default", namespace),  # the one selector-less Sidecar of the namespace
        spec={
            "egress": [{"hosts": ["./*", f"{EGRESS_NAMESPACE}/*", "istio-system/*"]}],
            "outboundTrafficPolicy": {"mode": "REGISTRY_ONLY"},
        },
        opts=opts,
    )
    if not gateway_hosts:
        return
    gateway = "egress-gateway"
    k8s.apiextensions.CustomResource(
        f"{name}-egress-gateway",
        api_version=ISTIO_NETWORKING,
        kind="Gateway",
        metadata=meta(gateway, namespace),
        spec={
            "selector": EGRESS_SELECTOR,
            "servers": [
                {
                    "port": {"number": HTTPS, "name": "tls", "protocol": "TLS"},
                    "hosts": list(gateway_hosts),
                    "tls": {"mode": "PASSTHROUGH"},
                }
            ],
        },
        opts=opts,
    )
    for host in gateway_hosts:
        k8s.apiextensions.CustomResource(
            f"{name}-egress-route-{_resource_name(host)}",
            api_version=ISTIO_NETWORKING,
            kind="VirtualService",
            metadata=meta(f"egress-{_resource_name(host)}", namespace),
            spec={
                "hosts": [host],
                "gateways": ["mesh", gateway],
                "tls": [
                    {
                        "match": [{"gateways": ["mesh"], "port": HTTPS, "sniHosts": [host]}],
                        "route": [{"destination": {"host": EGRESS_HOST, "port": {"number": HTTPS}}}],
                    },
                    {
                        "match": [{"gateways": [gateway], "port": HTTPS, "sniHosts": [host]}],
                        "route": [{"destination": {"host": host, "port": {"number": HTTPS}}}],
                    },
                ],
            },
            opts=opts,
        )
