"""Clusters and keys: EKS private, encrypted and audited; GKE private with workload identity and
network policy; every KMS key rotates."""

from __future__ import annotations

from ipaddress import ip_network

from pulumi_policy import ResourceValidationArgs

from foundation.audit import EKS_CONTROL_PLANE_LOG_TYPES
from policies.build import Report, resource_policy
from policies.resources import get

MAX_ROTATION_SECONDS = 365 * 24 * 3600


def _eks(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != "aws:eks/cluster:Cluster":
        return
    props = args.props
    encryption = get(props, "encryptionConfig") or {}
    if "secrets" not in (encryption.get("resources") or []) or not get(encryption, "provider", "keyArn"):
        report("Kubernetes secrets are not encrypted with a KMS key")
    if get(props, "vpcConfig", "endpointPrivateAccess") is not True:
        report("the private API endpoint is off")
    if get(props, "vpcConfig", "endpointPublicAccess") is not False:
        cidrs = get(props, "vpcConfig", "publicAccessCidrs", default=[]) or []
        if not cidrs or any(ip_network(c, strict=False).prefixlen == 0 for c in cidrs):
            report("the public API endpoint is open to 0.0.0.0/0")
    missing = set(EKS_CONTROL_PLANE_LOG_TYPES) - set(get(props, "enabledClusterLogTypes", default=[]) or [])
    if missing:
        report(f"control-plane logs missing: {', '.join(sorted(missing))}")


def _gke(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type != "gcp:container/cluster:Cluster":
        return
    props = args.props
    if get(props, "privateClusterConfig", "enablePrivateNodes") is not True:
        report("nodes have public IPs (private nodes off)")
    if not get(props, "workloadIdentityConfig", "workloadPool"):
        report("workload identity is off")
    if get(props, "networkPolicy", "enabled") is not True and get(props, "datapathProvider") != "ADVANCED_DATAPATH":
        report("network policy enforcement is off")
    if get(props, "databaseEncryption", "state") != "ENCRYPTED" or not get(props, "databaseEncryption", "keyName"):
        report("Kubernetes secrets are not encrypted with a Cloud KMS key")
    if get(props, "enableIntranodeVisibility") is not True:
        report("intranode visibility is off: pod-to-pod traffic on a node escapes flow logs and firewall rules")


def _rotation_seconds(period: str | None) -> float | None:
    try:
        return float(period.removesuffix("s")) if period else None
    except ValueError:
        return None


def _kms_rotation(args: ResourceValidationArgs, report: Report) -> None:
    # Automatic rotation exists only for symmetric encryption keys; asymmetric ones (DNSSEC signing) cannot rotate:
    # https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
    symmetric = get(args.props, "customerMasterKeySpec", default="SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT"
    if args.resource_type == "aws:kms/key:Key" and symmetric and get(args.props, "enableKeyRotation") is not True:
        report("automatic key rotation is off")
    # Cloud KMS rotates only symmetric keys automatically; an asymmetric key's versions are added by hand
    # (cloud.google.com/kms/docs/key-rotation: "automatic rotation is not supported for asymmetric keys").
    if (
        args.resource_type == "gcp:kms/cryptoKey:CryptoKey"
        and get(args.props, "purpose", default="ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT"
    ):
        seconds = _rotation_seconds(get(args.props, "rotationPeriod"))
        if seconds is None or seconds > MAX_ROTATION_SECONDS:
            report(f"rotation period is {get(args.props, 'rotationPeriod') or 'unset'} (at most a year)")


POLICIES = [
    resource_policy(
        "eks-hardened",
        "EKS: secrets encrypted with KMS, private endpoint, no 0.0.0.0/0, audit logs.",
        _eks,
        "Use EksCluster; limit endpoint_public_access_cidrs to named ranges.",
    ),
    resource_policy(
        "gke-hardened",
        "GKE: private nodes, workload identity, network policy.",
        _gke,
        "Use GkeCluster (private_cluster_config, workload_identity_config, network_policy).",
    ),
    resource_policy(
        "kms-key-rotation",
        "Every customer-managed KMS key rotates at least yearly.",
        _kms_rotation,
        "Set enable_key_rotation (AWS) or rotation_period (GCP).",
    ),
]
