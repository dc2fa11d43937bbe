"""Mocks that answer the program's registrations with plausible cloud outputs.

Each resource echoes its inputs and gets deterministic ids, ARNs and the attributes dependent
resources read (EKS endpoint, CA data, OIDC issuer, launch template version, ...). Same inputs,
same plan: ids are hashes of type and name.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

import pulumi

Outputs = dict[str, Any]


def _digest(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


class PlatformMocks(pulumi.runtime.Mocks):
    """Mocks for the AWS, GCP, Kubernetes and random providers the platform uses."""

    def __init__(self, aws_account_id: str = "000000000000"):
        self.aws_account_id = aws_account_id
        self._provider_regions: dict[str, str] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, Outputs]:
        outputs = dict(args.inputs)
        resource_id = f"{args.name}-{_digest(args.typ, args.name, length=8)}"
        if args.typ.startswith("pulumi:providers:"):
            self._provider_regions[resource_id] = args.inputs.get("region", "")
            return resource_id, outputs
        region = self._region_of(args.provider)
        if args.typ.startswith("aws:"):
            builder = _AWS_OUTPUTS.get(args.typ)
            outputs.setdefault("arn", self._arn(args.typ, args.name, region))
            if builder is not None:
                resource_id, extra = builder(self, args, region)
                outputs.update(extra)
            outputs.setdefault("id", resource_id)
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[Outputs, list[tuple[str, str]] | None]:
        return {}, None

    def _region_of(self, provider_ref: str | None) -> str:
        if not provider_ref:
            return "us-east-1"
        return self._provider_regions.get(provider_ref.rsplit("::", 1)[-1], "us-east-1")

    def _arn(self, typ: str, name: str, region: str) -> str:
        service = typ.split(":")[1].split("/")[0]
        return f"arn:aws:{service}:{region}:{self.aws_account_id}:{name}"


AwsBuilder = Callable[[PlatformMocks, pulumi.runtime.MockResourceArgs, str], tuple[str, Outputs]]


def _prefixed_id(prefix: str) -> AwsBuilder:
    def build(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
        return f"{prefix}-{_digest(args.typ, args.name)}", {}

    return build


def _kms_key(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
    key_id = "-".join(_digest(args.name, str(i), length=n) for i, n in enumerate((8, 4, 4, 4, 12)))
    arn = f"arn:aws:kms:{region}:{mocks.aws_account_id}:key/{key_id}"
    return key_id, {"keyId": key_id, "arn": arn}


def _iam_role(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
    role_name = args.inputs.get("name") or f"{args.name}-{_digest(args.name, length=7)}"
    return role_name, {"name": role_name, "arn": f"arn:aws:iam::{mocks.aws_account_id}:role/{role_name}"}


def _log_group(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
    group_name = args.inputs.get("name") or args.name
    return group_name, {"arn": f"arn:aws:logs:{region}:{mocks.aws_account_id}:log-group:{group_name}"}


def _eks_cluster(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
    cluster_name = args.inputs.get("name") or args.name
    oidc_id = _digest(cluster_name, length=32).upper()
    fake_ca = base64.b64encode(f"-----BEGIN CERTIFICATE-----\n{cluster_name}\n-----END CERTIFICATE-----".encode())
    return cluster_name, {
        "name": cluster_name,
        "arn": f"arn:aws:eks:{region}:{mocks.aws_account_id}:cluster/{cluster_name}",
        "endpoint": f"https://{oidc_id}.gr7.{region}.eks.amazonaws.com",
        "certificateAuthority": {"data": fake_ca.decode()},
        "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{oidc_id}"}]}],
        "status": "ACTIVE",
        "vpcConfig": {
            **args.inputs.get("vpcConfig", {}),
            "clusterSecurityGroupId": f"sg-{_digest(cluster_name)}",
        },
    }


def _oidc_provider(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
    issuer = str(args.inputs.get("url", "")).removeprefix("https://")
    arn = f"arn:aws:iam::{mocks.aws_account_id}:oidc-provider/{issuer}"
    return arn, {"arn": arn}


def _node_group(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
    group_name = args.inputs.get("nodeGroupName") or args.name
    cluster = args.inputs.get("clusterName", "cluster")
    return f"{cluster}:{group_name}", {"nodeGroupName": group_name, "status": "ACTIVE"}


def _launch_template(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
    return f"lt-{_digest(args.typ, args.name)}", {"latestVersion": 1, "defaultVersion": 1}


_AWS_OUTPUTS: dict[str, AwsBuilder] = {
    "aws:ec2/vpc:Vpc": _prefixed_id("vpc"),
    "aws:ec2/subnet:Subnet": _prefixed_id("subnet"),
    "aws:ec2/internetGateway:InternetGateway": _prefixed_id("igw"),
    "aws:ec2/natGateway:NatGateway": _prefixed_id("nat"),
    "aws:ec2/eip:Eip": _prefixed_id("eipalloc"),
    "aws:ec2/routeTable:RouteTable": _prefixed_id("rtb"),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": _prefixed_id("rtbassoc"),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _prefixed_id("sg"),
    "aws:ec2/flowLog:FlowLog": _prefixed_id("fl"),
    "aws:ec2/launchTemplate:LaunchTemplate": _launch_template,
    "aws:kms/key:Key": _kms_key,
    "aws:iam/role:Role": _iam_role,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:eks/cluster:Cluster": _eks_cluster,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _oidc_provider,
    "aws:eks/nodeGroup:NodeGroup": _node_group,
}
