"""GKE node pools: the system pool and the GPU pools, autoscaled by total node counts."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.options import child_opts
from components.scheduling import GPU_NODE_LABELS, GPU_POOL_LABEL, GPU_TAINT, gke_taint
from infra.catalog import GPU_MODELS
from infra.config import Capacity, GpuPool, SystemPool, Taint
from infra.config.models import SeasonProfile
from infra.planning import PoolBounds, seasonal_bounds

GPU_DRIVER_VERSION = "LATEST"  # Google-managed driver installation


@dataclass(frozen=True)
class GkeNodePoolSpec:
    """What one node pool runs."""

    role: str
    machine_type: str
    capacity: Capacity
    bounds: PoolBounds
    disk_gb: int
    labels: dict[str, str]
    taints: tuple[Taint, ...] = ()
    accelerator: str | None = None
    accelerator_count: int = 0


def system_pool_spec(pool: SystemPool) -> GkeNodePoolSpec:
    """The untainted on-demand pool for add-ons and CPU services."""
    return GkeNodePoolSpec(
        role="system",
        machine_type=pool.instance_type,
        capacity=Capacity.ON_DEMAND,
        bounds=PoolBounds(pool.min_size, pool.desired_size, pool.max_size),
        disk_gb=pool.disk_gb,
        labels={"node-type": "system"},
    )


def gpu_pool_spec(pool: GpuPool, season: SeasonProfile) -> GkeNodePoolSpec:
    """A GPU pool: accelerators with Google-managed drivers, the shared GPU taint, seasonal bounds."""
    accelerator = GPU_MODELS[pool.gpu_model].gke_accelerator
    if accelerator is None:
        raise ValueError(f"GPU model {pool.gpu_model} is not offered on GKE")
    return GkeNodePoolSpec(
        role=f"gpu-{pool.name}",
        machine_type=pool.instance_type,
        capacity=pool.capacity,
        bounds=seasonal_bounds(pool, season),
        disk_gb=pool.disk_gb,
        labels={**GPU_NODE_LABELS, GPU_POOL_LABEL: pool.name, "wedsync.io/gpu-model": pool.gpu_model, **pool.labels},
        taints=(GPU_TAINT, *(t for t in pool.taints if t.key != GPU_TAINT.key)),
        accelerator=accelerator,
        accelerator_count=pool.gpus_per_node,
    )


@dataclass(frozen=True)
class GkeNodePoolArgs:
    """The cluster, its zones, the node service account and the pool's spec."""

    cluster_id: pulumi.Input[str]
    project: str
    region: str
    zones: tuple[str, ...]
    service_account: pulumi.Input[str]
    spec: GkeNodePoolSpec
    resource_labels: dict[str, str]


class GkeNodePool(pulumi.ComponentResource):
    """A node pool autoscaled by totals across zones (per-zone counts would multiply by the zone count).

    It is never sized by `initial_node_count`, which would recreate the pool when changed.
    """

    node_pool_name: pulumi.Output[str]

    def __init__(self, name: str, args: GkeNodePoolArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:gcp:GkeNodePool", name, None, opts)
        spec = args.spec
        accelerators = (
            [
                gcp.container.NodePoolNodeConfigGuestAcceleratorArgs(
                    type=spec.accelerator,
                    count=spec.accelerator_count,
                    gpu_driver_installation_config=gcp.container.NodePoolNodeConfigGuestAcceleratorGpuDriverInstallationConfigArgs(
                        gpu_driver_version=GPU_DRIVER_VERSION
                    ),
                )
            ]
            if spec.accelerator
            else None
        )
        pool = gcp.container.NodePool(
            f"{name}-pool",
            name=spec.role,
            project=args.project,
            location=args.region,
            cluster=args.cluster_id,
            node_locations=list(args.zones),
            autoscaling=gcp.container.NodePoolAutoscalingArgs(
                total_min_node_count=spec.bounds.min_size,
                total_max_node_count=spec.bounds.max_size,
                location_policy="ANY",
            ),
            management=gcp.container.NodePoolManagementArgs(auto_repair=True, auto_upgrade=True),
            node_config=gcp.container.NodePoolNodeConfigArgs(
                machine_type=spec.machine_type,
                disk_size_gb=spec.disk_gb,
                disk_type="pd-balanced",
                image_type="COS_CONTAINERD",
                service_account=args.service_account,
                oauth_scopes=["https://www.googleapis.com/auth/cloud-platform"],
                spot=spec.capacity is Capacity.SPOT,
                labels=spec.labels,
                taints=[gke_taint(t) for t in spec.taints],
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
