"""The AI cache service (seed 002): an HTTP service in front of the region's cache cluster. It scales on CPU
(load); its hit rate is exported and alerted on, never scaled on (more pods do not raise a hit rate). It rolls
out as a canary like the jobs API, split by its own mesh route (it is called inside the mesh, not through the
gateway) and gated on its success rate, p95 latency, the canary pods' hit rate and the change freeze."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.canary_analysis import cache_hit_rate, outside_freeze, p95_latency, success_rate
from components.kubernetes.http_service import create_http_service, http_footprint
from components.kubernetes.mesh import destination_rule
from components.kubernetes.monitoring import Alert, prometheus_rule
from components.kubernetes.objects import http_probe, labels, locked_down, meta, requirements, selector
from components.kubernetes.redis_connection import RedisConnection
from components.kubernetes.rollout import Canary, create_mesh_route
from foundation.config import CacheServiceConfig, FreezeWindow, Rollouts
from foundation.footprints import Footprint
from foundation.naming import (
    CACHE_SERVICE,
    CACHE_SERVICE_PORT,
    LIVENESS_PATH,
    METRICS_PORT,
    PROMETHEUS_SELECTOR,
    READINESS_PATH,
    SERVICE_PORT,
    canary_service,
)

# The counters the service serves on METRICS_PORT (the names of seed 002's AnalysisTemplate): the contract its
# image must keep; the alert below and the rollout gate read them.
HITS, REQUESTS = "cache_hits_total", "cache_requests_total"
HIT_RATE = f"sum(rate({HITS}[5m])) / sum(rate({REQUESTS}[5m]))"  # no traffic: NaN, which no comparison fires on
ENDPOINT = "CACHE_ENDPOINT"  # host:port of the cluster's discovery endpoint (not a secret; clients discover shards)
AUTH_MODE = "CACHE_AUTH_MODE"  # "token" (ElastiCache AUTH from the secret) or "iam" (Memorystore, own identity)
READ_ONLY = "CACHE_READ_ONLY"  # "true" in a replica region: serve hits, do not write misses back
# The pod label the rollout controller puts on each ReplicaSet's pods, and the analysis arg that receives the
# canary's value (argo-rollouts v1.9 docs/features/analysis.md, "Analysis Template Arguments":
# `valueFrom.podTemplateHashValue: Latest`). The PodMonitor copies the label onto every series
# (`podTargetLabels`; prometheus-operator sanitizes the name to `rollouts_pod_template_hash`).
POD_TEMPLATE_HASH = "rollouts-pod-template-hash"
CANARY_HASH_ARG = "canary-hash"


@dataclass(frozen=True)
class CacheServiceArgs:
    """The service's config, the cache cluster it fronts, where alerts link to, its own cloud identity (the
    Google service account allowed to connect on GKE; none needed with the token on EKS), and whether that
    cluster is a read-only cross-region replica (writes there fail until a failover promotes it)."""

    config: CacheServiceConfig
    connection: RedisConnection
    runbooks_url: str
    identity: dict[str, pulumi.Input[str]]
    rollouts: Rollouts
    freeze: FreezeWindow  # in the region's timezone
    read_only: bool = False


def cache_service_footprint(args: CacheServiceArgs) -> Footprint:
    return http_footprint(args.config.autoscale, args.config.resources, canaried=True)


def hit_rate_alert(config: CacheServiceConfig) -> Alert:
    return Alert(
        "AiCacheHitRateLow",
        f"{HIT_RATE} < {config.min_hit_rate}",
        "15m",
        "warning",
        CACHE_SERVICE,
        f"AI cache hit rate below {config.min_hit_rate} for 15 minutes (check key churn and eviction)",
    )


def cache_service_canary(namespace: str, args: CacheServiceArgs, today: date) -> Canary:
    """Seed 002's steps on the service's own mesh route, aborted on errors, slowness, a canary hit rate at or
    below the configured minimum, or the change freeze."""
    analysis = args.rollouts.analysis
    canary_pods = f'namespace="{namespace}", {POD_TEMPLATE_HASH.replace("-", "_")}="{{{{args.{CANARY_HASH_ARG}}}}}"'
    return Canary(
        steps=args.rollouts.steps,
        metrics=(
            success_rate(canary_service(CACHE_SERVICE), namespace, analysis),
            p95_latency(canary_service(CACHE_SERVICE), namespace, analysis),
            cache_hit_rate(HITS, REQUESTS, canary_pods, analysis, args.config.min_hit_rate),
            outside_freeze(args.freeze, analysis.interval_minutes, today),
        ),
        virtual_service=CACHE_SERVICE,
        route=CACHE_SERVICE,
        template_hash_args=(CANARY_HASH_ARG,),
    )


def pod_monitor(name: str, namespace: str, opts: pulumi.ResourceOptions) -> None:
    """Scrapes every cache pod, stable and canary alike (the stable Service selects only stable pods once the
    controller adds the hash to its selector), labelling each series with its pods' template hash."""
    k8s.apiextensions.CustomResource(
        name,
        api_version="monitoring.coreos.com/v1",
        kind="PodMonitor",
        metadata=meta(CACHE_SERVICE, namespace, PROMETHEUS_SELECTOR),
        spec={
            "selector": {"matchLabels": selector(CACHE_SERVICE)},
            "podTargetLabels": [POD_TEMPLATE_HASH],
            "podMetricsEndpoints": [
                {"port": "http-metrics", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}
            ],
        },
        opts=opts,
    )


def create_cache_service(name: str, namespace: str, args: CacheServiceArgs, opts: pulumi.ResourceOptions) -> None:
    """Rollout, stable and canary Services with their mesh route and DestinationRules, HPA, PDB, PodMonitor,
    hit-rate alert, and who may call it (NetworkPolicy and Istio AuthorizationPolicy); the connection secret
    holds the cluster's endpoint."""
    config, cache = args.config, args.connection
    cache.create_secret(f"{name}-cache-connection", namespace, opts)
    volumes, mounts = cache.volumes()
    container = k8s.core.v1.ContainerArgs(
        name=CACHE_SERVICE,
        image=config.image,
        env=[
            *cache.env(),
            k8s.core.v1.EnvVarArgs(name=ENDPOINT, value=cache.address),
            k8s.core.v1.EnvVarArgs(name=AUTH_MODE, value="iam" if cache.password is None else "token"),
            k8s.core.v1.EnvVarArgs(name=READ_ONLY, value=str(args.read_only).lower()),
            k8s.core.v1.EnvVarArgs(name="PORT", value=str(CACHE_SERVICE_PORT)),
            k8s.core.v1.EnvVarArgs(name="METRICS_PORT", value=str(METRICS_PORT)),
        ],
        ports=[
            k8s.core.v1.ContainerPortArgs(name="http", container_port=CACHE_SERVICE_PORT),
            k8s.core.v1.ContainerPortArgs(name="http-metrics", container_port=METRICS_PORT),
        ],
        resources=requirements(config.resources),
        liveness_probe=http_probe(LIVENESS_PATH, "http"),
        readiness_probe=http_probe(READINESS_PATH, "http"),
        security_context=locked_down(),
        volume_mounts=mounts,
    )
    create_http_service(
        name,
        namespace,
        CACHE_SERVICE,
        CACHE_SERVICE_PORT,
        config.autoscale,
        container,
        opts,
        scraped=True,
        identity=args.identity,
        canary=cache_service_canary(namespace, args, date.today()),
        volumes=volumes,
    )
    create_mesh_route(name, namespace, CACHE_SERVICE, SERVICE_PORT, opts)
    for service in (CACHE_SERVICE, canary_service(CACHE_SERVICE)):
        destination_rule(f"{name}-{service}-destination", service, namespace, opts)
    pod_monitor(f"{name}-{CACHE_SERVICE}-monitor", namespace, opts)
    prometheus_rule(
        f"{name}-{CACHE_SERVICE}-alerts",
        f"{CACHE_SERVICE}-alerts",
        namespace,
        "ai-cache",
        [hit_rate_alert(config)],
        args.runbooks_url,
        opts,
    )
    _callers(name, namespace, config.client_namespaces, cache.port, opts)


def _callers(
    name: str, namespace: str, client_namespaces: tuple[str, ...], cache_port: int, opts: pulumi.ResourceOptions
) -> None:
    """Its pods take requests from the client namespaces (and their own) only, and reach the cache's port."""
    callers = (namespace, *client_namespaces)
    k8s.networking.v1.NetworkPolicy(
        f"{name}-{CACHE_SERVICE}-netpol",
        metadata=meta(CACHE_SERVICE, namespace, labels(CACHE_SERVICE, "network-policy")),
        spec=k8s.networking.v1.NetworkPolicySpecArgs(
            pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector(CACHE_SERVICE)),
            policy_types=["Ingress", "Egress"],
            ingress=[
                k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                    from_=[
                        k8s.networking.v1.NetworkPolicyPeerArgs(
                            namespace_selector=k8s.meta.v1.LabelSelectorArgs(
                                match_labels={"kubernetes.io/metadata.name": caller}
                            )
                        )
                        for caller in callers
                    ],
                    ports=[k8s.networking.v1.NetworkPolicyPortArgs(port=CACHE_SERVICE_PORT, protocol="TCP")],
                )
            ],
            egress=[
                k8s.networking.v1.NetworkPolicyEgressRuleArgs(
                    ports=[k8s.networking.v1.NetworkPolicyPortArgs(port=cache_port, protocol="TCP")]
                )
            ],
        ),
        opts=opts,
    )
    k8s.apiextensions.CustomResource(
        f"{name}-{CACHE_SERVICE}-authz",
        api_version="security.istio.io/v1",
        kind="AuthorizationPolicy",
        metadata=meta(CACHE_SERVICE, namespace),
        spec={
            "selector": {"matchLabels": selector(CACHE_SERVICE)},
            "action": "ALLOW",
            "rules": [{"from": [{"source": {"namespaces": list(callers)}}]}],
        },
        opts=opts,
    )
