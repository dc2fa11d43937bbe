"""A config-defined CPU queue worker (foundation/config/queue_workers.py): its own namespace and quota, a
Deployment that reads its own Redis stream as its own cloud identity, KEDA on the stream
(components/kubernetes/queue_scaler.py), a PDB, its PodMonitor and alerts (components/kubernetes/queue_monitoring.py),
and external API calls only through the egress gateway (components/kubernetes/egress.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.egress import create_egress
from components.kubernetes.namespace import PhotoNamespace, PhotoNamespaceArgs
from components.kubernetes.objects import (
    disruption_budget,
    http_probe,
    labels,
    locked_down,
    meta,
    pod_security,
    requirements,
    selector,
)
from components.kubernetes.queue_monitoring import WatchedQueue, create_pod_monitor, create_queue_alerts
from components.kubernetes.queue_scaler import QueueScaling, create_queue_scaler
from components.kubernetes.quota import quota_hard
from components.kubernetes.redis_connection import RedisConnection
from foundation.calendar import Weekday
from foundation.config import QueueWorkload, Quota, SaturdayPrescale, Season
from foundation.footprints import Footprint
from foundation.naming import GKE_METADATA_SERVER, LIVENESS_PATH, METRICS_PORT, READINESS_PATH

# The worker image's contract: where it finds its queue, its objects and the port of its health server (/healthz,
# /readyz); it serves Prometheus metrics where its config's `metrics` says (port and path).
STREAM_ENV, GROUP_ENV, BATCH_SIZE_ENV, STORE_ENV, HEALTH_PORT_ENV = (
    "WEDSYNC_STREAM",
    "WEDSYNC_GROUP",
    "WEDSYNC_BATCH_SIZE",
    "WEDSYNC_STORE",
    "WEDSYNC_HEALTH_PORT",
)
# Redis is outside the mesh registry: its TLS connection bypasses the REGISTRY_ONLY sidecar (the NetworkPolicy
# still confines it to the Redis port). Istio annotation traffic.sidecar.istio.io/excludeOutboundPorts,
# https://istio.io/latest/docs/reference/config/annotations/
EXCLUDE_OUTBOUND_PORTS = "traffic.sidecar.istio.io/excludeOutboundPorts"
EXCLUDE_OUTBOUND_RANGES = "traffic.sidecar.istio.io/excludeOutboundIPRanges"  # the GKE metadata server, likewise
HEALTH_PORT_NAME, METRICS_PORT_NAME = "http-health", "http-metrics"


def sidecar_bypass(redis_port: int, metadata_server: bool) -> dict[str, pulumi.Input[str]]:
    """The pod annotations that let Redis (and on GKE the metadata server) bypass the sidecar."""
    bypass: dict[str, pulumi.Input[str]] = {EXCLUDE_OUTBOUND_PORTS: str(redis_port)}
    if metadata_server:
        bypass[EXCLUDE_OUTBOUND_RANGES] = ",".join(cidr for cidr, _ in GKE_METADATA_SERVER)
    return bypass


@dataclass(frozen=True)
class QueueWorkerArgs:
    """The workload's config, the season deployed, the region's clock and pool, and its cloud identity."""

    workload: QueueWorkload
    region: str
    season: Season
    prescale: SaturdayPrescale
    prescale_timezone: str
    prescale_weekday: Weekday
    store_uri: pulumi.Input[str]  # the region's bucket (its root); the workload writes under its bucket_prefix
    identity: dict[str, pulumi.Input[str]]  # service-account annotations (IRSA role / Google service account)
    runbooks_url: str  # where its alerts' runbook links point (kubernetes.runbooks_url)
    pod_capacity: int  # worker pods its node pool holds at its maximum (foundation.node_pools)
    cloud_hosts: tuple[str, ...]  # the cloud's storage and identity endpoints, reached without the gateway
    quota: Quota
    redis_port: int
    metadata_server: bool = False
    node_selector: dict[str, str] | None = None  # its own CPU node pool's labels


def watched_queue(workload: QueueWorkload) -> WatchedQueue:
    """The workload as its alerts and dashboard row see it."""
    return WatchedQueue(workload.name, workload.namespace, workload.stream, workload.group)


def queue_scaling(args: QueueWorkerArgs) -> QueueScaling:
    """KEDA's settings: the season's bounds capped by the pool's capacity, the workload's queue target."""
    bounds = args.workload.bounds(args.season)
    most = min(bounds.max_replicas, args.pod_capacity)
    return QueueScaling(
        deployment=args.workload.name,
        stream=args.workload.stream,
        group=args.workload.group,
        lag_target=args.workload.queue_target,
        pending_per_pod=args.workload.batch_size,
        fewest=min(bounds.min_replicas, most),
        most=most,
        prescale=args.prescale,
        prescale_replicas=args.workload.prescale_replicas,
        timezone=args.prescale_timezone,
        weekday=args.prescale_weekday,
    )


def footprint(args: QueueWorkerArgs) -> Footprint:
    """Most pods at once: KEDA's maximum (no surge past it)."""
    return Footprint(pods=queue_scaling(args).most, resources=args.workload.resources)


class QueueWorker(pulumi.ComponentResource):
    """One queue workload in one cluster."""

    def __init__(
        self, name: str, args: QueueWorkerArgs, redis: RedisConnection, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("wedsync:k8s:QueueWorker", name, None, opts)
        workload, ns = args.workload, args.workload.namespace
        namespace = PhotoNamespace(
            f"{name}-namespace",
            PhotoNamespaceArgs(
                ns,
                quota_hard([footprint(args)], args.quota),
                args.redis_port,
                args.metadata_server,
                gateway_ingress=False,
                scrape_ports=(workload.metrics.port,),
            ),
            pulumi.ResourceOptions(parent=self),
        )
        child = pulumi.ResourceOptions(parent=self, depends_on=[namespace])
        redis.create_secret(f"{name}-redis", ns, child)
        app = workload.name
        app_labels = labels(app, "queue-worker")
        k8s.core.v1.ServiceAccount(
            f"{name}-sa",
            metadata=meta(app, ns, app_labels, args.identity),
            automount_service_account_token=False,
            opts=child,
        )
        self._deployment(name, args, redis, app_labels, child)
        disruption_budget(f"{name}-pdb", ns, app, child)
        create_queue_scaler(
            name,
            ns,
            queue_scaling(args),
            redis,
            child,
            auth_resource=f"{name}-redis-auth",
            scaler_resource=f"{name}-scaler",
        )
        hosts = tuple(endpoint.host for endpoint in workload.endpoints_for(args.region))
        create_egress(name, ns, hosts, args.cloud_hosts, child)
        watched = watched_queue(workload)
        create_pod_monitor(f"{name}-monitor", watched, METRICS_PORT_NAME, workload.metrics.path, child)
        create_queue_alerts(f"{name}-alerts", watched, workload.alerts, args.runbooks_url, child)
        self.register_outputs({})

    def _deployment(
        self,
        name: str,
        args: QueueWorkerArgs,
        redis: RedisConnection,
        app_labels: dict[str, str],
        opts: pulumi.ResourceOptions,
    ) -> None:
        workload, app = args.workload, args.workload.name
        volumes, mounts = redis.volumes()
        env = {
            STREAM_ENV: workload.stream,
            GROUP_ENV: workload.group,
            BATCH_SIZE_ENV: str(workload.batch_size),
            HEALTH_PORT_ENV: str(METRICS_PORT),
        }
        container = k8s.core.v1.ContainerArgs(
            name=app,
            image=workload.image,
            env=[
                *redis.env(),
                *(k8s.core.v1.EnvVarArgs(name=key, value=value) for key, value in env.items()),
                k8s.core.v1.EnvVarArgs(
                    name=STORE_ENV, value=pulumi.Output.concat(args.store_uri, "/", workload.bucket_prefix)
                ),
            ],
            ports=[
                k8s.core.v1.ContainerPortArgs(name=HEALTH_PORT_NAME, container_port=METRICS_PORT),
                k8s.core.v1.ContainerPortArgs(name=METRICS_PORT_NAME, container_port=workload.metrics.port),
            ],
            resources=requirements(workload.resources),
            liveness_probe=http_probe(LIVENESS_PATH, HEALTH_PORT_NAME, period=20, failures=6, delay=30),
            readiness_probe=http_probe(READINESS_PATH, HEALTH_PORT_NAME),
            security_context=locked_down(),
            volume_mounts=mounts,
        )
        k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=meta(app, workload.namespace, app_labels),
            spec=k8s.apps.v1.DeploymentSpecArgs(  # no replicas: KEDA owns the count
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector(app)),
                strategy=k8s.apps.v1.DeploymentStrategyArgs(  # the quota holds KEDA's maximum: no surge pods
                    type="RollingUpdate",
                    rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(max_surge=0, max_unavailable="25%"),
                ),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=meta(
                        app, extra_labels=app_labels, annotations=sidecar_bypass(args.redis_port, args.metadata_server)
                    ),
                    spec=k8s.core.v1.PodSpecArgs(
                        automount_service_account_token=False,  # calls no Kubernetes API (objects.py)
                        service_account_name=app,
                        security_context=pod_security(),
                        node_selector=args.node_selector,
                        containers=[container],
                        volumes=volumes,
                    ),
                ),
            ),
            opts=opts,
        )
