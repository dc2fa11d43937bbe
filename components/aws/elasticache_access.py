"""What every ElastiCache group of the platform shares: private subnets, a security group admitting only the
EKS cluster's nodes on the group's port, and a generated AUTH token."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.options import child_opts

# ElastiCache auth tokens: 16-128 printable characters; of the specials only these are accepted.
AUTH_TOKEN_SPECIALS = "!&#$^<>-"


@dataclass(frozen=True)
class Placement:
    """Where an ElastiCache group lives and who reaches it: the VPC, its private subnets, the EKS cluster
    security group of its clients, and the KMS key it encrypts at rest with."""

    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[list[str]]
    client_security_group_id: pulumi.Input[str]
    key_arn: pulumi.Input[str]


@dataclass(frozen=True)
class PrivateAccess:
    """The subnet group and security group a replication group is placed with."""

    subnet_group_name: pulumi.Output[str]
    security_group_id: pulumi.Output[str]


def private_access(
    name: str,
    parent: pulumi.Resource,
    *,
    group_name: str,
    role: str,
    placement: Placement,
    port: int,
    tags: dict[str, str],
) -> PrivateAccess:
    """Private subnets and a security group whose only ingress is `port` from the cluster security group."""
    subnets = aws.elasticache.SubnetGroup(
        f"{name}-subnets",
        name=group_name,
        description=f"{group_name} private subnets",
        subnet_ids=placement.subnet_ids,
        tags=tags,
        opts=child_opts(parent),
    )
    security_group = aws.ec2.SecurityGroup(
        f"{name}-sg",
        vpc_id=placement.vpc_id,
        description=f"{group_name}: {role} from the cluster's nodes only",
        tags={**tags, "Name": f"{group_name}-{role.lower()}"},
        opts=child_opts(parent),
    )
    aws.vpc.SecurityGroupIngressRule(
        f"{name}-from-nodes",
        security_group_id=security_group.id,
        referenced_security_group_id=placement.client_security_group_id,
        ip_protocol="tcp",
        from_port=port,
        to_port=port,
        description=f"{role} (TLS) from the EKS cluster security group",
        tags=tags,
        opts=child_opts(parent),
    )
    return PrivateAccess(subnets.name, security_group.id)


def auth_token(name: str, parent: pulumi.Resource) -> random.RandomPassword:
    """A 64-character AUTH token of the characters ElastiCache accepts."""
    return random.RandomPassword(
        f"{name}-auth-token",
        length=64,
        special=True,
        override_special=AUTH_TOKEN_SPECIALS,
        min_special=4,
        opts=child_opts(parent),
    )
