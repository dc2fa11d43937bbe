"""The mesh's half of the jobs API's authentication: the sidecar verifies every bearer token before the app
sees the request, and the app verifies it again (gpu_worker/api/auth.py), with the same issuer, audience and keys.

- RequestAuthentication validates a token when one is present (a request without one passes it unchanged).
- A DENY AuthorizationPolicy refuses /api/* requests that carry no valid token (`notRequestPrincipals: ["*"]`).
  It must be DENY: Istio evaluates DENY before ALLOW and ORs the ALLOW policies, so a second ALLOW policy would
  restrict nothing while `allow-gateway-and-api` already admits the gateway
  (istio.io docs/reference/config/security/authorization-policy: "If there are any DENY policies that match
  the request, deny the request"; path `"/api/*"` is a prefix match).
Health (/healthz, /readyz) and /metrics stay outside /api, so Route53 and Prometheus need no token.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.objects import meta, selector
from foundation.config import ApiConfig
from foundation.naming import JOBS_API

API_PATHS = ["/api/*"]


def create_api_authentication(name: str, namespace: str, auth: ApiConfig, opts: pulumi.ResourceOptions) -> None:
    """RequestAuthentication and the DENY policy on the jobs API's pods."""
    workload = {"matchLabels": selector(JOBS_API)}
    k8s.apiextensions.CustomResource(
        f"{name}-api-jwt",
        api_version="security.istio.io/v1",
        kind="RequestAuthentication",
        metadata=meta(f"{JOBS_API}-jwt", namespace),
        spec={
            "selector": workload,
            "jwtRules": [
                {
                    "issuer": auth.issuer,
                    "audiences": [auth.audience],
                    "jwksUri": auth.jwks_url,
                    "forwardOriginalToken": True,  # the app verifies the same token again
                }
            ],
        },
        opts=opts,
    )
    k8s.apiextensions.CustomResource(
        f"{name}-api-require-jwt",
        api_version="security.istio.io/v1",
        kind="AuthorizationPolicy",
        metadata=meta(f"{JOBS_API}-require-jwt", namespace),
        spec={
            "selector": workload,
            "action": "DENY",
            "rules": [
                {"from": [{"source": {"notRequestPrincipals": ["*"]}}], "to": [{"operation": {"paths": API_PATHS}}]}
            ],
        },
        opts=opts,
    )
