"""EKS managed node groups: the system pool and the GPU pools, each with a hardened launch template."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.options import child_opts
from components.scheduling import GPU_NODE_LABELS, GPU_POOL_LABEL, GPU_TAINT, eks_taint
from components.tags import Tagging
from infra.config import Capacity, GpuPool, SystemPool, Taint
from infra.config.models import SeasonProfile
from infra.planning import PoolBounds, seasonal_bounds

SYSTEM_AMI_TYPE = "AL2023_x86_64_STANDARD"
GPU_AMI_TYPE = "AL2023_x86_64_NVIDIA"  # ships the NVIDIA driver and container toolkit
ROOT_DEVICE = "/dev/xvda"
_CAPACITY_TYPE = {Capacity.ON_DEMAND: "ON_DEMAND", Capacity.SPOT: "SPOT"}


@dataclass(frozen=True)
class NodeGroupSpec:
    """What one node group runs: instance type, AMI, capacity, bounds, labels and taints."""

    role: str
    instance_type: str
    ami_type: str
    capacity: Capacity
    bounds: PoolBounds
    disk_gb: int
    labels: dict[str, str] = field(default_factory=dict)
    taints: tuple[Taint, ...] = ()


def system_node_group_spec(pool: SystemPool) -> NodeGroupSpec:
    """The untainted on-demand pool for add-ons and CPU services."""
    return NodeGroupSpec(
        role="system",
        instance_type=pool.instance_type,
        ami_type=SYSTEM_AMI_TYPE,
        capacity=Capacity.ON_DEMAND,
        bounds=PoolBounds(pool.min_size, pool.desired_size, pool.max_size),
        disk_gb=pool.disk_gb,
        labels={"node-type": "system"},
    )


def gpu_node_group_spec(pool: GpuPool, season: SeasonProfile) -> NodeGroupSpec:
    """A GPU pool: NVIDIA AMI, the shared GPU taint first, GPU labels, bounds cut to the season."""
    return NodeGroupSpec(
        role=f"gpu-{pool.name}",
        instance_type=pool.instance_type,
        ami_type=GPU_AMI_TYPE,
        capacity=pool.capacity,
        bounds=seasonal_bounds(pool, season),
        disk_gb=pool.disk_gb,
        labels={
            **GPU_NODE_LABELS,
            GPU_POOL_LABEL: pool.name,
            "wedsync.io/gpu-model": pool.gpu_model,
            **pool.labels,
        },
        taints=(GPU_TAINT, *(t for t in pool.taints if t.key != GPU_TAINT.key)),
    )


@dataclass(frozen=True)
class ManagedNodeGroupArgs:
    """Where the group joins, and what must exist before its nodes can join."""

    cluster_name: pulumi.Input[str]
    node_role_arn: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]
    spec: NodeGroupSpec
    tagging: Tagging
    joins_after: Sequence[pulumi.Resource] = ()


class ManagedNodeGroup(pulumi.ComponentResource):
    """A managed node group whose desired size is owned by the cluster autoscaler after creation."""

    node_group_name: pulumi.Output[str]

    def __init__(self, name: str, args: ManagedNodeGroupArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:aws:ManagedNodeGroup", name, None, opts)
        spec = args.spec
        tags = args.tagging.for_component(f"nodes-{spec.role}")

        template = aws.ec2.LaunchTemplate(
            f"{name}-template",
            description=f"wedsync {spec.role} nodes: IMDSv2 only, encrypted root volume",
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled",
                http_tokens="required",
                # One hop: pods cannot reach the node's credentials; they use IRSA.
                http_put_response_hop_limit=1,
            ),
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name=ROOT_DEVICE,
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        encrypted="true",
                        volume_size=spec.disk_gb,
                        volume_type="gp3",
                        delete_on_termination="true",
                    ),
                )
            ],
            tag_specifications=[
                aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=tags)
                for kind in ("instance", "volume")
            ],
            update_default_version=True,
            tags=tags,
            opts=child_opts(self),
        )
        group = aws.eks.NodeGroup(
            f"{name}-nodes",
            cluster_name=args.cluster_name,
            node_group_name=pulumi.Output.concat(args.cluster_name, f"-{spec.role}"),
            node_role_arn=args.node_role_arn,
            subnet_ids=args.subnet_ids,
            ami_type=spec.ami_type,
            capacity_type=_CAPACITY_TYPE[spec.capacity],
            instance_types=[spec.instance_type],
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=spec.bounds.min_size,
                desired_size=spec.bounds.desired_size,
                max_size=spec.bounds.max_size,
            ),
            labels=spec.labels,
            taints=[eks_taint(t) for t in spec.taints],
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                id=template.id, version=template.latest_version.apply(str)
            ),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable_percentage=25),
            tags=tags,
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=list(args.joins_after),
                ignore_changes=["scalingConfig.desiredSize"],  # the cluster autoscaler owns it
            ),
        )

        self.node_group_name = group.node_group_name
        self.register_outputs({"node_group_name": self.node_group_name})
