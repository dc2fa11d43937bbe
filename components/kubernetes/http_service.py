"""A CPU HTTP service: a Deployment on the system pool behind a Service on SERVICE_PORT, with an HPA and a PDB."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.objects import (
    disruption_budget,
    hpa_behavior,
    labels,
    meta,
    pod_security,
    scratch_volume,
    selector,
)
from components.kubernetes.rollout import ROLLOUTS_API, Canary, create_rollout
from foundation.config import Autoscale, Resources
from foundation.footprints import Footprint
from foundation.naming import METRICS_PORT, SERVICE_PORT
from foundation.scheduling import GPU_NODE_LABELS, GPU_TAINT, SYSTEM_NODE_LABELS

MAX_SURGE = 1  # one extra pod while a rollout replaces the others


def http_footprint(autoscale: Autoscale, resources: Resources, *, canaried: bool = False) -> Footprint:
    """Most pods at once: the HPA's maximum plus a rolling update's surge; under a canary, twice the maximum
    (at full promotion the new ReplicaSet is scaled up before the old one goes, after `scaleDownDelaySeconds`,
    30 s by default: argo-rollouts docs/features/analysis.md)."""
    extra = autoscale.max_replicas if canaried else MAX_SURGE
    return Footprint(pods=autoscale.max_replicas + extra, resources=resources)


def create_http_service(
    name: str,
    namespace: str,
    app: str,
    port: int,
    autoscale: Autoscale,
    container: k8s.core.v1.ContainerArgs,
    opts: pulumi.ResourceOptions,
    *,
    scraped: bool = False,
    identity: dict[str, pulumi.Input[str]] | None = None,
    canary: Canary | None = None,
    volumes: list[k8s.core.v1.VolumeArgs] | None = None,
    on_gpus: bool = False,
    init_containers: list[k8s.core.v1.ContainerArgs] | None = None,
) -> None:
    """The Deployment (a Rollout when `canary` is given), Service (SERVICE_PORT, and METRICS_PORT when
    scraped), HPA and PDB of `app`; `identity` annotates its service account with a cloud identity (IRSA role,
    Google service account); `volumes` replace the default scratch volume; `on_gpus` places the pods on the GPU
    pools and rolls them without surge (every GPU pod is reserved out of the pools' GPUs, surge pods are not)."""
    app_labels = labels(app, "api", scraped=scraped)
    metrics_port = [METRICS_PORT] if scraped else []
    k8s.core.v1.ServiceAccount(
        f"{name}-{app}-sa",
        metadata=meta(app, namespace, app_labels, identity or None),
        automount_service_account_token=False,
        opts=opts,
    )
    template = http_pod_template(app, app_labels, container, volumes, on_gpus=on_gpus, init_containers=init_containers)
    ports = [
        k8s.core.v1.ServicePortArgs(name="http", port=SERVICE_PORT, target_port=port),
        *(k8s.core.v1.ServicePortArgs(name="http-metrics", port=p, target_port=p) for p in metrics_port),
    ]
    if canary:
        create_rollout(name, namespace, app, template, ports, canary, opts)
        target = k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(api_version=ROLLOUTS_API, kind="Rollout", name=app)
    else:
        k8s.apps.v1.Deployment(
            f"{name}-{app}",
            metadata=meta(app, namespace, app_labels),
            spec=k8s.apps.v1.DeploymentSpecArgs(  # no replicas: the HPA owns the count (an `up` must not reset it)
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector(app)),
                strategy=k8s.apps.v1.DeploymentStrategyArgs(
                    type="RollingUpdate",
                    rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(
                        max_surge=0 if on_gpus else MAX_SURGE, max_unavailable=1 if on_gpus else 0
                    ),
                ),
                template=template,
            ),
            opts=opts,
        )
        target = k8s.autoscaling.v2.CrossVersionObjectReferenceArgs(api_version="apps/v1", kind="Deployment", name=app)
    k8s.core.v1.Service(
        f"{name}-{app}-service",
        metadata=meta(app, namespace, app_labels),
        spec=k8s.core.v1.ServiceSpecArgs(selector=selector(app), ports=ports),
        opts=opts,
    )
    k8s.autoscaling.v2.HorizontalPodAutoscaler(
        f"{name}-{app}-hpa",
        metadata=meta(app, namespace, app_labels),
        spec=k8s.autoscaling.v2.HorizontalPodAutoscalerSpecArgs(
            scale_target_ref=target,
            min_replicas=autoscale.min_replicas,
            max_replicas=autoscale.max_replicas,
            metrics=[
                _utilization("cpu", autoscale.cpu_utilization),
                _utilization("memory", autoscale.memory_utilization),
            ],
            behavior=hpa_behavior(),
        ),
        opts=opts,
    )
    disruption_budget(f"{name}-{app}-pdb", namespace, app, opts)


def http_pod_template(
    app: str,
    app_labels: dict[str, str],
    container: k8s.core.v1.ContainerArgs,
    volumes: list[k8s.core.v1.VolumeArgs] | None = None,
    *,
    on_gpus: bool = False,
    init_containers: list[k8s.core.v1.ContainerArgs] | None = None,
) -> k8s.core.v1.PodTemplateSpecArgs:
    """The pod of an HTTP service on the system pool (on the GPU pools, tolerating their taint, when `on_gpus`),
    as its own service account, under the restricted profile;
    one definition for a Deployment and for anything else that runs the same pods (an Argo Rollout)."""
    return k8s.core.v1.PodTemplateSpecArgs(
        metadata=meta(app, extra_labels=app_labels),
        spec=k8s.core.v1.PodSpecArgs(
            automount_service_account_token=False,  # calls no Kubernetes API (objects.py)
            service_account_name=app,
            security_context=pod_security(),
            node_selector=GPU_NODE_LABELS if on_gpus else SYSTEM_NODE_LABELS,
            tolerations=[GPU_TAINT.toleration()] if on_gpus else None,
            init_containers=init_containers,
            containers=[container],
            volumes=volumes or [scratch_volume("1Gi")],
        ),
    )


def _utilization(resource: str, percent: int) -> k8s.autoscaling.v2.MetricSpecArgs:
    return k8s.autoscaling.v2.MetricSpecArgs(
        type="Resource",
        resource=k8s.autoscaling.v2.ResourceMetricSourceArgs(
            name=resource,
            target=k8s.autoscaling.v2.MetricTargetArgs(type="Utilization", average_utilization=percent),
        ),
    )
