"""EKS managed node groups: the system pool and the GPU pools, each with a hardened launch template."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.options import child_opts
from foundation.node_pools import NodePoolPlan, PoolRole
from foundation.tags import Tagging

# The AL2023 NVIDIA AMI ships the NVIDIA driver and container toolkit.
AMI_TYPES = {
    PoolRole.SYSTEM: "AL2023_x86_64_STANDARD",
    PoolRole.GPU: "AL2023_x86_64_NVIDIA",
    PoolRole.QUEUE: "AL2023_x86_64_STANDARD",
}
ROOT_DEVICE = "/dev/xvda"


@dataclass(frozen=True)
class ManagedNodeGroupArgs:
    """Where the group joins, and what must exist before its nodes can join."""

    cluster_name: pulumi.Input[str]
    node_role_arn: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]
    pool: NodePoolPlan
    tagging: Tagging
    joins_after: Sequence[pulumi.Resource] = ()


class ManagedNodeGroup(pulumi.ComponentResource):
    """A managed node group whose desired size is owned by the cluster autoscaler after creation."""

    node_group_name: pulumi.Output[str]

    def __init__(self, name: str, args: ManagedNodeGroupArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:aws:ManagedNodeGroup", name, None, opts)
        pool = args.pool
        tags = args.tagging.for_component(f"nodes-{pool.resource_name}")

        template = aws.ec2.LaunchTemplate(
            f"{name}-template",
            description=f"wedsync {pool.resource_name} nodes: IMDSv2 only, encrypted root volume",
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
                        volume_size=pool.disk_gb,
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
            node_group_name=pulumi.Output.concat(args.cluster_name, f"-{pool.resource_name}"),
            node_role_arn=args.node_role_arn,
            subnet_ids=args.subnet_ids,
            ami_type=AMI_TYPES[pool.role],
            capacity_type=pool.capacity.eks_capacity_type,
            instance_types=[pool.instance_type],
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=pool.bounds.min_size,
                desired_size=pool.bounds.desired_size,
                max_size=pool.bounds.max_size,
            ),
            labels=dict(pool.labels),
            taints=[taint.as_eks() for taint in pool.taints],
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
