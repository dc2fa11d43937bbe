"""The Kubernetes layer of one cluster, shared by both clouds.

A Kubernetes provider built from the cluster's outputs (no kubeconfig on disk) serves every object.
Cloud differences arrive as plain inputs: identity annotations, the autoscaler role (EKS only), the
Redis TLS CA (Memorystore only), the gateway's load-balancer annotations, who previews (an EKS group or
GKE users) and whether pods must reach the GKE metadata server.

The provider waits for the deployers' access (EKS access policy associations), so nothing is applied
before the credentials running pulumi can reach the API server.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.addons import ClusterAddOns, ClusterAddOnsArgs
from components.kubernetes.alert_routing import AlertWebhooks, Webhook, alertmanager_values, webhooks
from components.kubernetes.backup_alerts import backup_alerts, create_backup_alerts
from components.kubernetes.cache_service import CacheServiceArgs
from components.kubernetes.deployer_access import PreviewAccess, PreviewAccessArgs
from components.kubernetes.image_verification import ImageVerification, ImageVerificationArgs
from components.kubernetes.jobs_api import JobsApiArgs
from components.kubernetes.mesh import Mesh, MeshArgs
from components.kubernetes.monitoring import Alert, Monitoring
from components.kubernetes.namespace import PhotoNamespace, PhotoNamespaceArgs
from components.kubernetes.photo_worker import PhotoWorkerArgs
from components.kubernetes.queue_monitoring import create_queue_dashboard, flow_alerts
from components.kubernetes.queue_worker import QueueWorker, QueueWorkerArgs
from components.kubernetes.queue_workers import photo_queue, queue_worker_args, watched_queues
from components.kubernetes.quota import quota_hard
from components.kubernetes.reconciler import ReconcilerArgs
from components.kubernetes.redis_connection import RedisConnection
from components.kubernetes.velero import VeleroArgs, velero_values
from components.kubernetes.workloads import Workloads, WorkloadsArgs, footprints
from foundation.config import Cloud, KubernetesLayer, PlatformConfig, QueueAlerting, Region
from foundation.footprints import reserved_gpus
from foundation.naming import GATEWAY_NAMESPACE, GATEWAY_RELEASE, api_hosts, cluster_name_for
from foundation.node_pools import gpu_capacity, plan_node_pools
from foundation.supply_chain import KYVERNO_NAMESPACE, allow_list


@dataclass(frozen=True)
class KubePlatformArgs:
    """The cluster, what the layer installs, each workload's args, and the identities add-ons use."""

    cloud: Cloud
    region: str
    kubernetes_version: str
    cluster_name: str
    hosts: tuple[str, ...]
    layer: KubernetesLayer
    kubeconfig: pulumi.Input[str]
    workloads: WorkloadsArgs
    dns_role_arn: pulumi.Input[str]
    autoscaler_role_arn: pulumi.Input[str] | None = None
    gateway_annotations: Mapping[str, pulumi.Input[str]] | None = None
    cluster_access: Sequence[pulumi.Resource] = ()  # the provider waits for these (EKS access associations)
    preview_subjects: tuple[tuple[str, str], ...] = ()  # RBAC subjects of preview identities
    metadata_server_egress: bool = False  # GKE: pods fetch Workload Identity credentials from it
    image_verification: ImageVerificationArgs | None = None  # EKS: Kyverno admits only signed or allow-listed
    alert_webhooks: tuple[Webhook, ...] = ()
    alertmanager: dict[str, Any] | None = None  # kube-prometheus-stack's `alertmanager` values
    queue_workers: tuple[QueueWorkerArgs, ...] = ()  # config-defined CPU queue workers (their own namespaces)
    velero: dict[str, Any] | None = None  # the velero chart's values; none: no cluster backups
    backup_alerts: tuple[Alert, ...] = ()  # alerts on Velero's backups (backup_alerts.py)


@dataclass(frozen=True)
class WorkloadIdentities:
    """The service-account annotations that give each workload its own cloud identity (IRSA role or Google
    service account): the worker, the jobs API (uploads, ledger, URL signing) and the reconciler (ledger reads)."""

    worker: dict[str, pulumi.Input[str]]
    api: dict[str, pulumi.Input[str]]
    reconciler: dict[str, pulumi.Input[str]]


def kube_platform_args(
    platform: PlatformConfig,
    region: Region,
    *,
    kubeconfig: pulumi.Input[str],
    store_uri: pulumi.Input[str],
    bucket_uri: pulumi.Input[str],
    redis: RedisConnection,
    identities: WorkloadIdentities,
    dns_role_arn: pulumi.Input[str],
    autoscaler_role_arn: pulumi.Input[str] | None = None,
    gateway_annotations: Mapping[str, pulumi.Input[str]] | None = None,
    cluster_access: Sequence[pulumi.Resource] = (),
    preview_subjects: tuple[tuple[str, str], ...] = (),
    metadata_server_egress: bool = False,
    image_signing_public_key: pulumi.Input[str] | None = None,
    cache: RedisConnection | None = None,
    cache_identity: dict[str, pulumi.Input[str]] | None = None,
    queue_identities: dict[str, dict[str, pulumi.Input[str]]] | None = None,
    velero: VeleroArgs | None = None,
) -> KubePlatformArgs:
    """The layer's args for a region, from the platform config and the region's cloud resources (`store_uri`: the
    photos' root, `bucket_uri` the bucket's, under which each queue worker keeps its `bucket_prefix`; `cache`: the
    region's AI cache cluster, and `cache_identity` the cache service's cloud identity)."""
    layer = platform.kubernetes
    image = region.worker_image or platform.worker.image
    hooks = webhooks(platform)
    local_freeze = platform.freeze.model_copy(
        update={"timezone": region.timezone or platform.freeze.timezone}
    )  # the change freeze on the region's clock
    queue_workers = queue_worker_args(
        platform,
        region,
        store_uri=bucket_uri,
        identities=queue_identities or {},
        redis_port=redis.port,
        metadata_server=metadata_server_egress,
    )
    return KubePlatformArgs(
        cloud=region.cloud,
        region=region.id,
        kubernetes_version=region.kubernetes_version,
        cluster_name=cluster_name_for(platform, region),
        hosts=api_hosts(platform, region),
        layer=layer,
        kubeconfig=kubeconfig,
        workloads=WorkloadsArgs(
            namespace=layer.namespace,
            redis=redis,
            worker=PhotoWorkerArgs(
                image=image,
                queue=platform.worker,
                resources=layer.worker_resources,
                season=platform.season_profile,
                prescale=layer.saturday_prescale,
                prescale_timezone=region.timezone or platform.freeze.timezone,
                prescale_weekday=platform.freeze.weekday,
                store_uri=store_uri,
                identity=identities.worker,
                gpu_capacity=gpu_capacity(plan_node_pools(platform, region)) - reserved_gpus(layer.model_services),
            ),
            jobs_api=JobsApiArgs(
                image=image,
                stream=platform.worker.stream,
                store_uri=store_uri,
                auth=platform.api,
                autoscale=layer.jobs_api_autoscale,
                identity=identities.api,
                rollouts=layer.rollouts,
                freeze=local_freeze,
            ),
            reconciler=ReconcilerArgs(
                image=image,
                store_uri=store_uri,
                every_minutes=platform.api.reconcile_every_minutes,
                grace_seconds=platform.api.reconcile_grace_seconds,
                identity=identities.reconciler,
            ),
            model_services=layer.model_services,
            redis_exporter_image=layer.redis_exporter_image,
            triton_image=layer.triton_image,
            cache=CacheServiceArgs(
                platform.cache.service,
                cache,
                layer.runbooks_url,
                cache_identity or {},
                layer.rollouts,
                local_freeze,
                read_only=platform.cache.primary_of(region.id) is not None,
            )
            if platform.cache is not None and cache is not None
            else None,
            queue_streams=tuple(worker.workload.stream for worker in queue_workers),
        ),
        dns_role_arn=dns_role_arn,
        autoscaler_role_arn=autoscaler_role_arn,
        gateway_annotations=gateway_annotations,
        cluster_access=cluster_access,
        preview_subjects=preview_subjects,
        metadata_server_egress=metadata_server_egress,
        image_verification=None
        if image_signing_public_key is None
        else ImageVerificationArgs(layer.charts.kyverno, image_signing_public_key, allow_list(platform, region.cloud)),
        alert_webhooks=hooks,
        alertmanager=alertmanager_values(platform, hooks),
        queue_workers=queue_workers,
        velero=velero_values(velero, platform.dr.backups, layer.namespace) if velero else None,
        backup_alerts=backup_alerts(platform.dr.backups) if velero else (),
    )


class KubePlatform(pulumi.ComponentResource):
    """Add-ons, the photography-ai namespace, mesh, workloads and monitoring; exposes the ingress address."""

    ingress_endpoint: pulumi.Output[str]

    def __init__(self, name: str, args: KubePlatformArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:k8s:Platform", name, None, opts)
        layer = args.layer
        provider = k8s.Provider(
            f"{name}-provider",
            kubeconfig=args.kubeconfig,
            enable_server_side_apply=True,
            cluster_identifier=args.cluster_name,  # replaced only if the cluster is, not when auth details change
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.cluster_access)),
        )
        on_cluster = pulumi.ResourceOptions(parent=self, provider=provider)
        addons = ClusterAddOns(
            f"{name}-addons",
            ClusterAddOnsArgs(
                cloud=args.cloud.value,
                cluster_name=args.cluster_name,
                region=args.region,
                kubernetes_version=args.kubernetes_version,
                charts=layer.charts,
                autoscaler_role_arn=args.autoscaler_role_arn,
                gateway_annotations=args.gateway_annotations or {},
                alertmanager=args.alertmanager,
                egress_gateway=bool(args.queue_workers),
                velero=args.velero,
            ),
            on_cluster,
        )
        admission: list[pulumi.Resource] = []
        admission_namespaces: tuple[str, ...] = ()
        if args.image_verification is not None:
            admission.append(ImageVerification(f"{name}-image-verification", args.image_verification, on_cluster))
            admission_namespaces = (KYVERNO_NAMESPACE,)
        after_addons = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[addons, *admission])
        AlertWebhooks(f"{name}-alert-webhooks", args.alert_webhooks, after_addons)
        namespace = PhotoNamespace(
            f"{name}-namespace",
            PhotoNamespaceArgs(
                layer.namespace,
                quota_hard(footprints(args.workloads), layer.quota),
                args.workloads.redis.port,
                args.metadata_server_egress,
            ),
            after_addons,
        )
        after_namespace = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[addons, namespace])
        Workloads(f"{name}-workloads", args.workloads, after_namespace)
        Mesh(
            f"{name}-mesh",
            MeshArgs(
                layer.namespace,
                args.hosts,
                layer.model_services,
                layer.acme_email,
                layer.acme_server,
                args.dns_role_arn,
                args.workloads.jobs_api.auth,
            ),
            after_namespace,
        )
        if args.backup_alerts:
            create_backup_alerts(f"{name}-backup-alerts", args.backup_alerts, layer.runbooks_url, after_addons)
        for worker in args.queue_workers:
            QueueWorker(f"{name}-{worker.workload.name}", worker, args.workloads.redis, after_addons)
        Monitoring(
            f"{name}-monitoring",
            layer.namespace,
            layer.runbooks_url,
            after_namespace,
            flow_alerts(photo_queue(args.workloads), QueueAlerting()),  # the config's defaults
        )
        create_queue_dashboard(
            f"{name}-queue-dashboard",
            layer.namespace,
            watched_queues(args.workloads, args.queue_workers),
            after_namespace,
        )
        if args.preview_subjects:
            PreviewAccess(
                f"{name}-preview-access",
                PreviewAccessArgs(
                    args.preview_subjects,
                    (
                        *addons.namespaces,
                        *admission_namespaces,
                        layer.namespace,
                        *(w.workload.namespace for w in args.queue_workers),
                    ),
                ),
                after_namespace,
            )
        gateway_service = k8s.core.v1.Service.get(
            f"{name}-gateway-service",
            f"{GATEWAY_NAMESPACE}/{GATEWAY_RELEASE}",
            opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[addons.gateway]),
        )
        self.ingress_endpoint = gateway_service.status.apply(_load_balancer_address)
        self.register_outputs({"ingress_endpoint": self.ingress_endpoint})


def _load_balancer_address(status: k8s.core.v1.outputs.ServiceStatus | None) -> str:
    """The gateway's public address: an AWS load balancer's hostname, or a GCP load balancer's IP."""
    ingress = (status.load_balancer.ingress or []) if status and status.load_balancer else []
    if not ingress:
        return ""
    return ingress[0].hostname or ingress[0].ip or ""
