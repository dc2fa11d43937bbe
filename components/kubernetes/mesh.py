"""TLS and routing: cert-manager certificates for the regional and zone names (DNS-01 in Route53),
an Istio Gateway terminating TLS, VirtualServices with the seed's timeouts and retries,
DestinationRules, STRICT mTLS (plaintext only on the metrics port of scraped pods), and an AuthorizationPolicy
admitting the gateway, the API, and scrapes of the metrics port; JWTs required on the jobs API (api_auth.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.api_auth import create_api_authentication
from components.kubernetes.objects import SCRAPED, meta
from components.kubernetes.rollout import controller_owned_weights, weighted_destinations
from foundation.config import ApiConfig, ModelService
from foundation.naming import (
    ACME_SERVICE_ACCOUNT,
    API_VIRTUAL_SERVICE,
    CERT_MANAGER_NAMESPACE,
    GATEWAY_NAMESPACE,
    GATEWAY_RELEASE,
    JOBS_API,
    METRICS_PORT,
    READINESS_PATH,
    REGION_HEALTH_PATH,
    SERVICE_PORT,
    canary_service,
)

ISSUER = "letsencrypt-dns"
TLS_SECRET = "api-tls"
GATEWAY = "api-gateway"
PHOTOS_PREFIX = "/api/v1/photos"
HEALTH_TIMEOUT = "2s"  # Route53 waits 2 s for a response once connected


@dataclass(frozen=True)
class MeshArgs:
    """Hosts, the services to route to, and how cert-manager reaches Route53."""

    namespace: str
    hosts: tuple[str, ...]
    model_services: tuple[ModelService, ...]
    acme_email: str
    acme_server: str
    dns_role_arn: pulumi.Input[str]
    api_auth: ApiConfig


def _custom(
    name: str,
    api_version: str,
    kind: str,
    metadata: k8s.meta.v1.ObjectMetaArgs,
    spec: dict,
    opts: pulumi.ResourceOptions,
) -> k8s.apiextensions.CustomResource:
    return k8s.apiextensions.CustomResource(
        name, api_version=api_version, kind=kind, metadata=metadata, spec=spec, opts=opts
    )


def _service_host(service: str, namespace: str) -> str:
    return f"{service}.{namespace}.svc.cluster.local"


def destination_rule(resource_name: str, service: str, namespace: str, opts: pulumi.ResourceOptions) -> None:
    """Mutual TLS, a connection pool and outlier detection for calls to `service`."""
    _custom(
        resource_name,
        "networking.istio.io/v1",
        "DestinationRule",
        meta(service, namespace),
        {
            "host": _service_host(service, namespace),
            "trafficPolicy": {
                "tls": {"mode": "ISTIO_MUTUAL"},
                "connectionPool": {
                    "tcp": {"maxConnections": 100},
                    "http": {"http1MaxPendingRequests": 50, "maxRequestsPerConnection": 5},
                },
                "outlierDetection": {
                    "consecutiveGatewayErrors": 5,
                    "interval": "30s",
                    "baseEjectionTime": "30s",
                    "maxEjectionPercent": 50,
                },
            },
        },
        opts,
    )


def _route(
    name: str,
    uri: dict[str, str],
    host: str,
    timeout: str,
    retries: dict[str, Any] | None = None,
    *,
    rewrite: str | None = None,
) -> dict[str, Any]:
    """One HTTP route of the gateway's VirtualService to a Service's port SERVICE_PORT."""
    route: dict[str, Any] = {
        "name": name,
        "match": [{"uri": uri}],
        "route": [{"destination": {"host": host, "port": {"number": SERVICE_PORT}}}],
        "timeout": timeout,
    }
    if rewrite:
        route["rewrite"] = {"uri": rewrite}
    if retries:
        route["retries"] = retries
    return route


class Mesh(pulumi.ComponentResource):
    """Certificates, gateway, routes and mesh security of one cluster."""

    def __init__(self, name: str, args: MeshArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:k8s:Mesh", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ns = args.namespace
        self._acme(name, args, child)
        _custom(
            f"{name}-certificate",
            "cert-manager.io/v1",
            "Certificate",
            meta(TLS_SECRET, GATEWAY_NAMESPACE),
            {
                "secretName": TLS_SECRET,
                "dnsNames": list(args.hosts),
                "issuerRef": {"name": ISSUER, "kind": "ClusterIssuer"},
                "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
            },
            child,
        )
        _custom(
            f"{name}-gateway",
            "networking.istio.io/v1",
            "Gateway",
            meta(GATEWAY, GATEWAY_NAMESPACE),
            {
                "selector": {"istio": "ingressgateway"},
                "servers": [
                    {
                        "port": {"number": 443, "name": "https", "protocol": "HTTPS"},
                        "hosts": list(args.hosts),
                        "tls": {"mode": "SIMPLE", "credentialName": TLS_SECRET, "minProtocolVersion": "TLSV1_2"},
                    },
                    {
                        "port": {"number": 80, "name": "http", "protocol": "HTTP"},
                        "hosts": list(args.hosts),
                        "tls": {"httpsRedirect": True},
                    },
                ],
            },
            child,
        )
        routes = [
            _route(  # Route53's health check: the region is healthy when the jobs API can reach its queue
                "region-health",
                {"exact": REGION_HEALTH_PATH},
                _service_host(JOBS_API, ns),
                HEALTH_TIMEOUT,
                rewrite=READINESS_PATH,
            ),
            _route(
                JOBS_API,
                {"prefix": PHOTOS_PREFIX},
                _service_host(JOBS_API, ns),
                "30s",
                {"attempts": 2, "perTryTimeout": "10s", "retryOn": "connect-failure,refused-stream,503"},
            )
            | {  # the jobs API rolls out as a canary: Argo Rollouts shifts these weights (rollout.py)
                "route": weighted_destinations(
                    _service_host(JOBS_API, ns), _service_host(canary_service(JOBS_API), ns), SERVICE_PORT
                )
            },
        ]
        routes += [
            _route(
                s.name,
                {"prefix": s.route_prefix},
                _service_host(s.name, ns),
                s.timeout,
                {
                    "attempts": s.retries.attempts,
                    "perTryTimeout": s.retries.per_try_timeout,
                    "retryOn": "gateway-error,connect-failure,refused-stream",
                }
                if s.retries
                else None,
            )
            for s in args.model_services
        ]
        canaried = [i for i, route in enumerate(routes) if route["name"] == JOBS_API]
        _custom(
            f"{name}-routes",
            "networking.istio.io/v1",
            "VirtualService",
            meta(API_VIRTUAL_SERVICE, ns),
            {
                "hosts": list(args.hosts),
                "gateways": [f"{GATEWAY_NAMESPACE}/{GATEWAY}"],
                "http": routes,
            },
            pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(ignore_changes=[p for i in canaried for p in controller_owned_weights(i)])
            ),
        )
        for service in (JOBS_API, canary_service(JOBS_API), *(s.name for s in args.model_services)):
            destination_rule(f"{name}-{service}-destination", service, ns, child)
        _custom(
            f"{name}-mtls",
            "security.istio.io/v1",
            "PeerAuthentication",
            meta("default", ns),
            {"mtls": {"mode": "STRICT"}},
            child,
        )
        _custom(
            f"{name}-metrics-mtls",
            "security.istio.io/v1",
            "PeerAuthentication",
            meta("metrics-port", ns),
            {
                "selector": {"matchLabels": SCRAPED},
                "mtls": {"mode": "STRICT"},
                "portLevelMtls": {str(METRICS_PORT): {"mode": "PERMISSIVE"}},  # Prometheus scrapes without a sidecar
            },
            child,
        )
        _custom(
            f"{name}-authz",
            "security.istio.io/v1",
            "AuthorizationPolicy",
            meta("allow-gateway-and-api", ns),
            {
                "action": "ALLOW",
                "rules": [
                    {
                        "from": [
                            {
                                "source": {
                                    "principals": [
                                        f"cluster.local/ns/{GATEWAY_NAMESPACE}/sa/{GATEWAY_RELEASE}",
                                        f"cluster.local/ns/{ns}/sa/{JOBS_API}",
                                    ]
                                }
                            }
                        ]
                    },
                    # Prometheus has no sidecar: its plaintext scrape carries no identity a `from` could match,
                    # so the metrics port is allowed by port alone; the NetworkPolicy admits only the
                    # monitoring namespace to it. (Envoy's stats port is outside capture: no rule needed.)
                    {"to": [{"operation": {"ports": [str(METRICS_PORT)]}}]},
                ],
            },
            child,
        )
        create_api_authentication(name, ns, args.api_auth, child)
        self.register_outputs({})

    def _acme(self, name: str, args: MeshArgs, child: pulumi.ResourceOptions) -> None:
        """A ClusterIssuer solving DNS-01 in Route53 as a role assumed with this cluster's service-account token."""
        k8s.core.v1.ServiceAccount(
            f"{name}-acme-sa", metadata=meta(ACME_SERVICE_ACCOUNT, CERT_MANAGER_NAMESPACE), opts=child
        )
        k8s.rbac.v1.Role(
            f"{name}-acme-token-role",
            metadata=meta(f"{ACME_SERVICE_ACCOUNT}-tokens", CERT_MANAGER_NAMESPACE),
            rules=[
                k8s.rbac.v1.PolicyRuleArgs(
                    api_groups=[""],
                    resources=["serviceaccounts/token"],
                    verbs=["create"],
                    resource_names=[ACME_SERVICE_ACCOUNT],
                )
            ],
            opts=child,
        )
        k8s.rbac.v1.RoleBinding(
            f"{name}-acme-token-binding",
            metadata=meta(f"{ACME_SERVICE_ACCOUNT}-tokens", CERT_MANAGER_NAMESPACE),
            role_ref=k8s.rbac.v1.RoleRefArgs(
                api_group="rbac.authorization.k8s.io", kind="Role", name=f"{ACME_SERVICE_ACCOUNT}-tokens"
            ),
            subjects=[
                k8s.rbac.v1.SubjectArgs(kind="ServiceAccount", name="cert-manager", namespace=CERT_MANAGER_NAMESPACE)
            ],
            opts=child,
        )
        _custom(
            f"{name}-issuer",
            "cert-manager.io/v1",
            "ClusterIssuer",
            meta(ISSUER),
            {
                "acme": {
                    "email": args.acme_email,
                    "server": args.acme_server,
                    "privateKeySecretRef": {"name": f"{ISSUER}-account"},
                    "solvers": [
                        {
                            "dns01": {
                                "route53": {
                                    "region": "us-east-1",
                                    "role": args.dns_role_arn,
                                    "auth": {"kubernetes": {"serviceAccountRef": {"name": ACME_SERVICE_ACCOUNT}}},
                                }
                            }
                        }
                    ],
                },
            },
            child,
        )
