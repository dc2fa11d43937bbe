"""Mocks that answer the program's registrations with plausible cloud outputs.

Each resource echoes its inputs and gets deterministic ids, ARNs and the attributes dependent
resources read (EKS endpoint, CA data, OIDC issuer, launch template version, ...). Same inputs,
same plan: ids are hashes of type and name.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from typing import Any

import pulumi

Outputs = dict[str, Any]


def _digest(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


class PlatformMocks(pulumi.runtime.Mocks):
    """Mocks for the AWS, GCP, Kubernetes and random providers the platform uses."""

    def __init__(self, aws_account_id: str = "000000000000", caller_arn: str | None = None):
        """`caller_arn` is who `sts get-caller-identity` says runs the program (default: the account's root)."""
        self.aws_account_id = aws_account_id
        self.caller_arn = caller_arn or f"arn:aws:iam::{aws_account_id}:root"
        self._provider_regions: dict[str, str] = {}
        self._provider_names: dict[str, str] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, Outputs]:
        outputs = dict(args.inputs)
        resource_id = f"{args.name}-{_digest(args.typ, args.name, length=8)}"
        if args.typ.startswith("pulumi:providers:"):
            self._provider_regions[resource_id] = args.inputs.get("region", "")
            self._provider_names[resource_id] = args.name
            return resource_id, outputs
        if args.typ == "kubernetes:core/v1:Service" and args.resource_id:  # a read of the gateway's Service
            return args.resource_id, {**outputs, "status": self._load_balancer_status(args)}
        region = self._region_of(args.provider)
        if args.typ.startswith("aws:"):
            builder = _AWS_OUTPUTS.get(args.typ)
            outputs.setdefault("arn", self._arn(args.typ, args.name, region))
            if builder is not None:
                resource_id, extra = builder(self, args, region)
                outputs.update(extra)
            outputs.setdefault("id", resource_id)
        elif args.typ.startswith("gcp:"):
            builder = _GCP_OUTPUTS.get(args.typ)
            if builder is not None:
                resource_id, extra = builder(self, args, region)
                outputs.update(extra)
        elif args.typ == "random:index/randomPassword:RandomPassword":
            outputs["result"] = _digest(args.name, "password", length=int(args.inputs.get("length", 32)))
        elif args.typ == "random:index/randomBytes:RandomBytes":
            raw = bytes.fromhex(_digest(args.name, "bytes", length=2 * int(args.inputs.get("length", 16))))
            outputs.update(base64=base64.b64encode(raw).decode(), hex=raw.hex())
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[Outputs, list[tuple[str, str]]]:
        """Invokes by token; an invoke not answered here returns no values (as an unmocked invoke does)."""
        return self._invoke(args), []  # no check failures (the mock monitor iterates them)

    def _invoke(self, args: pulumi.runtime.MockCallArgs) -> Outputs:
        if args.token == "gcp:storage/getProjectServiceAccount:getProjectServiceAccount":
            return {"emailAddress": f"service-{_project_number(args)}@gs-project-accounts.iam.gserviceaccount.com"}
        if args.token == "gcp:organizations/getProject:getProject":
            return {"number": str(_project_number(args)), "projectId": args.args.get("projectId")}
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": self.aws_account_id, "arn": self.caller_arn, "userId": "AROAMOCK:pulumi", "id": "x"}
        if args.token == "aws:kms/getPublicKey:getPublicKey":  # an asymmetric key's public half
            return {"keyId": args.args.get("keyId"), "publicKeyPem": _mock_pem(str(args.args.get("keyId")))}
        if args.token == "gcp:kms/getKMSCryptoKeyVersion:getKMSCryptoKeyVersion":
            key = str(args.args.get("cryptoKey"))
            return {"publicKeys": [{"algorithm": "EC_SIGN_P256_SHA256", "pem": _mock_pem(key)}]}
        if args.token == "aws:route53/getZone:getZone":
            return {
                "zoneId": f"Z{_digest(str(args.args.get('name')), length=20).upper()}",
                "name": args.args.get("name"),
            }
        return {}

    def _load_balancer_status(self, args: pulumi.runtime.MockResourceArgs) -> Outputs:
        """An AWS NLB has a hostname; a GKE load balancer has an IP. The provider's name tells which cluster."""
        cluster = self._provider_names.get((args.provider or "").rsplit("::", 1)[-1], "")
        region = cluster.removesuffix("-kubernetes-provider")
        if re.search(r"-\d$", region):  # AWS region ids end in -<digit>
            hostname = f"k8s-istioing-{_digest(region, length=10)}.elb.{region}.amazonaws.com"
            return {"loadBalancer": {"ingress": [{"hostname": hostname}]}}
        return {"loadBalancer": {"ingress": [{"ip": f"34.{int(_digest(region, length=2), 16) % 250}.10.20"}]}}

    def _region_of(self, provider_ref: str | None) -> str:
        if not provider_ref:
            return "us-east-1"
        return self._provider_regions.get(provider_ref.rsplit("::", 1)[-1], "us-east-1")

    def _arn(self, typ: str, name: str, region: str) -> str:
        service = typ.split(":")[1].split("/")[0]
        return f"arn:aws:{service}:{region}:{self.aws_account_id}:{name}"


def _mock_pem(key: str) -> str:
    """A PEM-shaped stand-in for a key's public half (not a usable key: the preview never verifies)."""
    body = base64.b64encode(hashlib.sha256(key.encode()).digest() * 2).decode()
    return f"-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n"


def _project_number(args: pulumi.runtime.MockCallArgs) -> int:
    project = args.args.get("project") or args.args.get("projectId")
    return int(_digest(str(project), length=10), 16) % 10**12


Builder = Callable[[PlatformMocks, pulumi.runtime.MockResourceArgs, str], tuple[str, Outputs]]


def _prefixed_id(prefix: str) -> Builder:
    def build(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
        return f"{prefix}-{_digest(args.typ, args.name)}", {}

    return build


def _hosted_zone(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
    zone_id = f"Z{_digest(args.typ, args.name, length=20).upper()}"
    return zone_id, {"zoneId": zone_id, "arn": f"arn:aws:route53:::hostedzone/{zone_id}"}


def _trail(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
    arn = f"arn:aws:cloudtrail:{region}:{mocks.aws_account_id}:trail/{args.inputs.get('name')}"
    return arn, {"arn": arn}


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


def _s3_bucket(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
    bucket = args.inputs.get("bucket") or f"{args.name}-{_digest(args.name, length=7)}"
    return bucket, {"bucket": bucket, "arn": f"arn:aws:s3:::{bucket}", "region": region}


def _replication_group(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
    group_id = args.inputs.get("replicationGroupId") or args.name
    digest = _digest(group_id, length=6)
    if args.inputs.get("clusterMode") == "enabled" or args.inputs.get("globalReplicationGroupId"):
        # Cluster mode: clients discover the shards through the configuration endpoint; there is no primary one.
        return group_id, {
            "configurationEndpointAddress": f"clustercfg.{group_id}.{digest}.{region}.cache.amazonaws.com",
            "port": args.inputs.get("port", 6379),
        }
    return group_id, {
        "primaryEndpointAddress": f"master.{group_id}.{digest}.{region}.cache.amazonaws.com",
        "port": args.inputs.get("port", 6379),
    }


def _global_datastore(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
    # AWS prefixes the suffix with a code of its own (e.g. "ldgnf-"); the plan only needs it to be stable.
    global_id = f"{_digest(region, length=5)}-{args.inputs['globalReplicationGroupIdSuffix']}"
    return global_id, {"globalReplicationGroupId": global_id, "arn": f"arn:aws:elasticache::{global_id}"}


def _launch_template(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
    return f"lt-{_digest(args.typ, args.name)}", {"latestVersion": 1, "defaultVersion": 1}


_AWS_OUTPUTS: dict[str, Builder] = {
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
    "aws:s3/bucket:Bucket": _s3_bucket,
    "aws:ec2/securityGroup:SecurityGroup": _prefixed_id("sg"),
    "aws:elasticache/replicationGroup:ReplicationGroup": _replication_group,
    "aws:route53/zone:Zone": _hosted_zone,
    "aws:cloudtrail/trail:Trail": _trail,
    "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup": _global_datastore,
}


def _gcp_named(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
    name = args.inputs.get("name") or args.name
    project = args.inputs.get("project", "mock-project")
    return f"projects/{project}/resources/{name}", {"name": name, "selfLink": f"https://mock.googleapis.com/{name}"}


def _global_address(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
    resource_id, outputs = _gcp_named(mocks, args, region)
    return resource_id, {**outputs, "address": f"34.120.{int(_digest(args.name, length=2), 16) % 250}.1"}


def _gke_cluster(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
    name = args.inputs["name"]
    project = args.inputs.get("project", "mock-project")
    ca = base64.b64encode(f"gke-ca-{name}".encode()).decode()
    return f"projects/{project}/locations/{args.inputs.get('location')}/clusters/{name}", {
        "name": name,
        "endpoint": "10.255.0.2",
        "masterAuth": {"clusterCaCertificate": ca},
        "controlPlaneEndpointsConfig": {
            "dnsEndpointConfig": {
                **args.inputs.get("controlPlaneEndpointsConfig", {}).get("dnsEndpointConfig", {}),
                "endpoint": f"gke-{_digest(name, length=32)}.{args.inputs.get('location')}.gke.goog",
            }
        },
    }


def _gke_service_agent(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
    project_number = int(_digest(str(args.inputs.get("project")), length=10), 16) % 10**12
    robots = {"container.googleapis.com": "container-engine-robot"}
    robot = robots.get(args.inputs.get("service", ""), "gcp-sa-" + str(args.inputs.get("service", "")).split(".")[0])
    email = f"service-{project_number}@{robot}.iam.gserviceaccount.com"
    return f"projects/{args.inputs.get('project')}/services/{args.inputs.get('service')}", {
        "email": email,
        "member": f"serviceAccount:{email}",
    }


def _service_account(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
    project = args.inputs.get("project", "mock-project")
    email = f"{args.inputs['accountId']}@{project}.iam.gserviceaccount.com"
    return f"projects/{project}/serviceAccounts/{email}", {"email": email, "member": f"serviceAccount:{email}"}


def _memorystore(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
    name = args.inputs["name"]
    return f"projects/{args.inputs.get('project')}/locations/{args.inputs.get('region')}/instances/{name}", {
        "host": "10.200.0.4",
        "port": 6378,
        "authString": _digest(name, "auth", length=32),
        "serverCaCerts": [{"cert": f"-----BEGIN CERTIFICATE-----\n{name}\n-----END CERTIFICATE-----"}],
    }


def _redis_cluster(mocks: PlatformMocks, args: pulumi.runtime.MockResourceArgs, region: str) -> tuple[str, Outputs]:
    name = args.inputs["name"]
    return f"projects/{args.inputs.get('project')}/locations/{args.inputs.get('region')}/clusters/{name}", {
        "discoveryEndpoints": [{"address": "10.200.1.4", "port": 6379}],
        "managedServerCas": [
            {"caCerts": [{"certificates": [f"-----BEGIN CERTIFICATE-----\n{name}\n-----END CERTIFICATE-----"]}]}
        ],
    }


_GCP_OUTPUTS: dict[str, Builder] = {
    "gcp:compute/network:Network": _gcp_named,
    "gcp:compute/subnetwork:Subnetwork": _gcp_named,
    "gcp:compute/router:Router": _gcp_named,
    "gcp:kms/keyRing:KeyRing": _gcp_named,
    "gcp:kms/cryptoKey:CryptoKey": _gcp_named,
    "gcp:storage/bucket:Bucket": _gcp_named,
    "gcp:compute/backendBucket:BackendBucket": _gcp_named,
    "gcp:compute/globalAddress:GlobalAddress": _global_address,
    "gcp:compute/uRLMap:URLMap": _gcp_named,
    "gcp:compute/managedSslCertificate:ManagedSslCertificate": _gcp_named,
    "gcp:compute/sSLPolicy:SSLPolicy": _gcp_named,
    "gcp:compute/targetHttpsProxy:TargetHttpsProxy": _gcp_named,
    "gcp:container/nodePool:NodePool": _gcp_named,
    "gcp:container/cluster:Cluster": _gke_cluster,
    "gcp:serviceaccount/account:Account": _service_account,
    "gcp:redis/instance:Instance": _memorystore,
    "gcp:redis/cluster:Cluster": _redis_cluster,
    "gcp:projects/serviceIdentity:ServiceIdentity": _gke_service_agent,
}
