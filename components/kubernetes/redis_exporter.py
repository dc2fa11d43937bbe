"""redis_exporter: the queue's Redis memory and stream metrics for the alerts (one replica is enough)."""

from __future__ import annotations

from urllib.parse import quote

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.objects import labels, locked_down, meta, pod_security, requirements, selector
from components.kubernetes.redis_connection import RedisConnection
from foundation.config import Resources
from foundation.footprints import Footprint
from foundation.naming import METRICS_PORT, REDIS_EXPORTER
from foundation.scheduling import SYSTEM_NODE_LABELS

RESOURCES = Resources(cpu_request="50m", memory_request="64Mi", cpu_limit="200m", memory_limit="128Mi")
FOOTPRINT = Footprint(pods=2, resources=RESOURCES)  # one replica, and its successor during a rollout


def check_streams_arg(streams: tuple[str, ...]) -> str:
    """`--check-single-streams`: the streams whose groups it reports (lag, pending, last delivered entry). The
    exporter splits the list on "," and "=" and URL-unescapes each key (redis_exporter v1.74.0 exporter/keys.go
    parseKeyArg), so each name goes escaped."""
    return "--check-single-streams=" + ",".join(quote(stream, safe="") for stream in streams)


def create_redis_exporter(
    name: str,
    namespace: str,
    image: str,
    redis: RedisConnection,
    opts: pulumi.ResourceOptions,
    streams: tuple[str, ...] = (),
) -> None:
    """The exporter's Deployment and its metrics Service; `streams`: the queue workers' streams."""
    app_labels = labels(REDIS_EXPORTER, "monitoring", scraped=True)
    volumes, mounts = redis.volumes()
    tls = [f"--tls-ca-cert-file={redis.ca_file}"] if redis.ca is not None else []
    checked = [check_streams_arg(streams)] if streams else []
    probe = k8s.core.v1.ProbeArgs(tcp_socket=k8s.core.v1.TCPSocketActionArgs(port="http-metrics"), period_seconds=20)
    container = k8s.core.v1.ContainerArgs(
        name=REDIS_EXPORTER,
        image=image,
        args=[f"--web.listen-address=:{METRICS_PORT}", "--redis.addr=$(REDIS_URL)", *tls, *checked],
        env=redis.env(),
        ports=[k8s.core.v1.ContainerPortArgs(name="http-metrics", container_port=METRICS_PORT)],
        resources=requirements(RESOURCES),
        liveness_probe=probe,
        readiness_probe=probe,
        security_context=locked_down(),
        volume_mounts=mounts,
    )
    k8s.apps.v1.Deployment(
        f"{name}-redis-exporter",
        metadata=meta(REDIS_EXPORTER, namespace, app_labels),
        spec=k8s.apps.v1.DeploymentSpecArgs(
            replicas=1,
            selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector(REDIS_EXPORTER)),
            strategy=k8s.apps.v1.DeploymentStrategyArgs(
                type="RollingUpdate",
                rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(max_surge=1, max_unavailable=0),
            ),
            template=k8s.core.v1.PodTemplateSpecArgs(
                metadata=meta(REDIS_EXPORTER, extra_labels=app_labels),
                spec=k8s.core.v1.PodSpecArgs(
                    automount_service_account_token=False,  # calls no Kubernetes API (objects.py)
                    security_context=pod_security(),
                    node_selector=SYSTEM_NODE_LABELS,
                    containers=[container],
                    volumes=volumes,
                ),
            ),
        ),
        opts=opts,
    )
    k8s.core.v1.Service(
        f"{name}-redis-exporter-service",
        metadata=meta(REDIS_EXPORTER, namespace, app_labels),
        spec=k8s.core.v1.ServiceSpecArgs(
            selector=selector(REDIS_EXPORTER),
            ports=[k8s.core.v1.ServicePortArgs(name="http-metrics", port=METRICS_PORT, target_port=METRICS_PORT)],
        ),
        opts=opts,
    )
