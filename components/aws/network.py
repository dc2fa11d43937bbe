"""The VPC of an AWS region: public and private subnets per zone, NAT, EKS subnet tags, flow logs."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network

import pulumi
import pulumi_aws as aws

from components.aws.iam import service_trust_policy
from components.aws.logs import encrypted_log_group
from components.options import child_opts
from foundation.config import NetworkSettings
from foundation.iam_documents import policy_document
from foundation.planning import plan_zone_subnets
from foundation.tags import Tagging

# Subnet role tags the AWS load balancer controller and EKS look for.
ELB_ROLE_TAG = "kubernetes.io/role/elb"
INTERNAL_ELB_ROLE_TAG = "kubernetes.io/role/internal-elb"


@dataclass(frozen=True)
class AwsNetworkArgs:
    """What the network needs: its settings, the cluster it serves (for subnet tags), the logs key."""

    settings: NetworkSettings
    cluster_name: str
    tagging: Tagging
    logs_key_arn: pulumi.Input[str]


class AwsNetwork(pulumi.ComponentResource):
    """A VPC over the configured zones, private subnets behind NAT, public subnets for load balancers."""

    vpc_id: pulumi.Output[str]
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]

    def __init__(self, name: str, args: AwsNetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:aws:Network", name, None, opts)
        tags = args.tagging.for_component("network")
        settings = args.settings

        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=str(settings.cidr),
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={**tags, "Name": f"{name}-vpc"},
            opts=child_opts(self),
        )
        # The default security group admits nothing: every workload gets an explicit group.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg", vpc_id=vpc.id, ingress=[], egress=[], tags=tags, opts=child_opts(self)
        )
        gateway = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=vpc.id, tags=tags, opts=child_opts(self))
        public_routes = aws.ec2.RouteTable(
            f"{name}-public-rt",
            vpc_id=vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=gateway.id)],
            tags={**tags, "Name": f"{name}-public"},
            opts=child_opts(self),
        )

        subnet_tags = {**tags, f"kubernetes.io/cluster/{args.cluster_name}": "shared"}
        public_subnets: list[aws.ec2.Subnet] = []
        private_subnets: list[aws.ec2.Subnet] = []
        nat_gateways: list[aws.ec2.NatGateway] = []
        for plan in plan_zone_subnets(settings.cidr, settings.availability_zones):
            zone = plan.zone
            public = self._subnet(f"{name}-public-{zone}", vpc, zone, plan.public, {**subnet_tags, ELB_ROLE_TAG: "1"})
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{zone}",
                subnet_id=public.id,
                route_table_id=public_routes.id,
                opts=child_opts(self),
            )
            private = self._subnet(
                f"{name}-private-{zone}", vpc, zone, plan.private, {**subnet_tags, INTERNAL_ELB_ROLE_TAG: "1"}
            )
            if settings.nat_gateways == "per_az" or not nat_gateways:
                nat_gateways.append(self._nat_gateway(f"{name}-nat-{zone}", public, tags, gateway))
            private_routes = aws.ec2.RouteTable(
                f"{name}-private-rt-{zone}",
                vpc_id=vpc.id,
                routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", nat_gateway_id=nat_gateways[-1].id)],
                tags={**tags, "Name": f"{name}-private-{zone}"},
                opts=child_opts(self),
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{zone}",
                subnet_id=private.id,
                route_table_id=private_routes.id,
                opts=child_opts(self),
            )
            public_subnets.append(public)
            private_subnets.append(private)

        self._flow_logs(name, vpc, args)

        self.vpc_id = vpc.id
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in public_subnets])
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in private_subnets])
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
            }
        )

    def _subnet(
        self, name: str, vpc: aws.ec2.Vpc, zone: str, cidr: IPv4Network, tags: dict[str, str]
    ) -> aws.ec2.Subnet:
        return aws.ec2.Subnet(
            name,
            vpc_id=vpc.id,
            cidr_block=str(cidr),
            availability_zone=zone,
            map_public_ip_on_launch=False,
            tags={**tags, "Name": name},
            opts=child_opts(self),
        )

    def _nat_gateway(
        self, name: str, subnet: aws.ec2.Subnet, tags: dict[str, str], gateway: aws.ec2.InternetGateway
    ) -> aws.ec2.NatGateway:
        address = aws.ec2.Eip(name, domain="vpc", tags=tags, opts=child_opts(self, depends_on=[gateway]))
        return aws.ec2.NatGateway(
            name,
            allocation_id=address.id,
            subnet_id=subnet.id,
            tags={**tags, "Name": name},
            opts=child_opts(self),
        )

    def _flow_logs(self, name: str, vpc: aws.ec2.Vpc, args: AwsNetworkArgs) -> None:
        tags = args.tagging.for_component("network")
        log_group = encrypted_log_group(
            f"{name}-flow-logs",
            f"/wedsync/{args.tagging.environment}/{args.tagging.region}/vpc-flow-logs",
            args.logs_key_arn,
            tags,
            self,
        )
        role = aws.iam.Role(
            f"{name}-flow-logs",
            assume_role_policy=service_trust_policy("vpc-flow-logs.amazonaws.com"),
            tags=tags,
            opts=child_opts(self),
        )
        aws.iam.RolePolicy(
            f"{name}-flow-logs",
            role=role.id,
            policy=log_group.arn.apply(
                lambda arn: policy_document(
                    {
                        "Effect": "Allow",
                        "Action": [
                            "logs:CreateLogStream",
                            "logs:PutLogEvents",
                            "logs:DescribeLogGroups",
                            "logs:DescribeLogStreams",
                        ],
                        "Resource": [arn, f"{arn}:*"],
                    }
                )
            ),
            opts=child_opts(self),
        )
        aws.ec2.FlowLog(
            f"{name}-flow-logs",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=log_group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=tags,
            opts=child_opts(self),
        )
