"""The Kubernetes layer of one cluster, shared by both clouds.

A Kubernetes provider built from the cluster's outputs (no kubeconfig on disk) serves every object.
Cloud differences arrive as plain inputs: identity annotations, the autoscaler role (EKS only), the
Redis TLS CA (Memorystore only) and the gateway's load-balancer annotations.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.dns import api_hosts
from components.kubernetes.addons import GATEWAY_NAMESPACE, GATEWAY_RELEASE, ClusterAddOns, ClusterAddOnsArgs
from components.kubernetes.mesh import Mesh, MeshArgs
from components.kubernetes.monitoring import Monitoring
from components.kubernetes.namespace import PhotoNamespace, PhotoNamespaceArgs
from components.kubernetes.workloads import Workloads, WorkloadsArgs
from components.naming import cluster_name_for
from infra.config import PlatformConfig, Region


@dataclass(frozen=True)
class KubePlatformArgs:
    """The cluster, the region's data services, and the identities its workloads use."""

    platform: PlatformConfig
    region: Region
    kubeconfig: pulumi.Input[str]
    store_uri: pulumi.Input[str]
    redis_host: pulumi.Input[str]
    redis_port: int
    redis_password: pulumi.Input[str]
    redis_ca: pulumi.Input[str] | None
    worker_identity: dict[str, pulumi.Input[str]]
    dns_role_arn: pulumi.Input[str]
    autoscaler_role_arn: pulumi.Input[str] | None = None
    gateway_annotations: dict[str, str] | None = None


class KubePlatform(pulumi.ComponentResource):
    """Add-ons, the photography-ai namespace, mesh, workloads and monitoring; exposes the ingress address."""

    ingress_endpoint: pulumi.Output[str]

    def __init__(self, name: str, args: KubePlatformArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:k8s:Platform", name, None, opts)
        platform, layer = args.platform, args.platform.kubernetes
        provider = k8s.Provider(
            f"{name}-provider",
            kubeconfig=args.kubeconfig,
            enable_server_side_apply=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        on_cluster = pulumi.ResourceOptions(parent=self, provider=provider)
        addons = ClusterAddOns(
            f"{name}-addons",
            ClusterAddOnsArgs(
                cloud=args.region.cloud.value,
                cluster_name=cluster_name_for(platform, args.region),
                region=args.region.id,
                charts=layer.charts,
                autoscaler_role_arn=args.autoscaler_role_arn,
                gateway_annotations=args.gateway_annotations or {},
            ),
            on_cluster,
        )
        after_addons = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[addons])
        namespace = PhotoNamespace(
            f"{name}-namespace", PhotoNamespaceArgs(layer.namespace, layer.quota, args.redis_port), after_addons
        )
        after_namespace = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[addons, namespace])
        Workloads(
            f"{name}-workloads",
            WorkloadsArgs(
                namespace=layer.namespace,
                worker=platform.worker,
                worker_image=args.region.worker_image or platform.worker.image,
                worker_resources=layer.worker_resources,
                season=platform.season_profile,
                prescale=layer.saturday_prescale,
                prescale_timezone=args.region.timezone or platform.freeze.timezone,
                freeze_weekday=platform.freeze.weekday,
                jobs_api_autoscale=layer.jobs_api_autoscale,
                model_services=layer.model_services,
                redis_exporter_image=layer.redis_exporter_image,
                store_uri=args.store_uri,
                redis_host=args.redis_host,
                redis_port=args.redis_port,
                redis_password=args.redis_password,
                redis_ca=args.redis_ca,
                worker_identity=args.worker_identity,
            ),
            after_namespace,
        )
        Mesh(
            f"{name}-mesh",
            MeshArgs(
                layer.namespace,
                api_hosts(platform, args.region),
                layer.model_services,
                layer.acme_email,
                layer.acme_server,
                args.dns_role_arn,
            ),
            after_namespace,
        )
        Monitoring(f"{name}-monitoring", layer.namespace, after_namespace)
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
