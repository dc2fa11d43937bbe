"""GKE node pools: the system pool and the GPU pools, autoscaled by total node counts."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.options import child_opts
from foundation.catalog import GPU_MODELS
from foundation.node_pools import NodePoolPlan

GPU_DRIVER_VERSION = "LATEST"  # Google-managed driver installation


def gke_accelerator(pool: NodePoolPlan) -> str | None:
    """The GKE accelerator type of a GPU pool (None for the system pool)."""
    if pool.gpu_model is None:
        return None
    accelerator = GPU_MODELS[pool.gpu_model].gke_accelerator
    if accelerator is None:
        raise ValueError(f"GPU model {pool.gpu_model} is not offered on GKE")
    return accelerator


@dataclass(frozen=True)
class GkeNodePoolArgs:
    """The cluster, the node service account and the pool's plan."""

    cluster_id: pulumi.Input[str]
    project: str
    region: str
    service_account: pulumi.Input[str]
    pool: NodePoolPlan
    resource_labels: dict[str, str]


class GkeNodePool(pulumi.ComponentResource):
    """A node pool autoscaled by totals across zones (per-zone counts would multiply by the zone count).

    It is never sized by `initial_node_count`, which would recreate the pool when changed.
    """

    node_pool_name: pulumi.Output[str]

    def __init__(self, name: str, args: GkeNodePoolArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:gcp:GkeNodePool", name, None, opts)
        plan = args.pool
        accelerator = gke_accelerator(plan)
        accelerators = (
            [
                gcp.container.NodePoolNodeConfigGuestAcceleratorArgs(
                    type=accelerator,
                    count=plan.gpus_per_node,
                    gpu_driver_installation_config=gcp.container.NodePoolNodeConfigGuestAcceleratorGpuDriverInstallationConfigArgs(
                        gpu_driver_version=GPU_DRIVER_VERSION
                    ),
                )
            ]
            if accelerator
            else None
        )
        pool = gcp.container.NodePool(
            f"{name}-pool",
            name=plan.resource_name,
            project=args.project,
            location=args.region,
            cluster=args.cluster_id,
            node_locations=list(plan.zones),
            autoscaling=gcp.container.NodePoolAutoscalingArgs(
                total_min_node_count=plan.bounds.min_size,
                total_max_node_count=plan.bounds.max_size,
                location_policy="ANY",
            ),
            management=gcp.container.NodePoolManagementArgs(auto_repair=True, auto_upgrade=True),
            node_config=gcp.container.NodePoolNodeConfigArgs(
                machine_type=plan.instance_type,
                disk_size_gb=plan.disk_gb,
                disk_type="pd-balanced",
                image_type="COS_CONTAINERD",
                service_account=args.service_account,
                oauth_scopes=["https://www.googleapis.com/auth/cloud-platform"],
                spot=plan.capacity.gke_spot,
                labels=dict(plan.labels),
                taints=[taint.as_gke() for taint in plan.taints],
                guest_accelerators=accelerators,
                shielded_instance_config=gcp.container.NodePoolNodeConfigShieldedInstanceConfigArgs(
                    enable_secure_boot=True, enable_integrity_monitoring=True
                ),
                workload_metadata_config=gcp.container.NodePoolNodeConfigWorkloadMetadataConfigArgs(
                    mode="GKE_METADATA"
                ),
                resource_labels=args.resource_labels,
            ),
            opts=child_opts(self),
        )
        self.node_pool_name = pool.name
        self.register_outputs({"node_pool_name": self.node_pool_name})
