"""Reading resources defensively, the way the engine hands them to policies (camelCase props,
values possibly missing during a real preview)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource

from foundation.catalog import gpu_instance_type

S3_BUCKET = "aws:s3/bucket:Bucket"
STATEFUL_TYPES = frozenset(
    {
        S3_BUCKET,
        "aws:kms/key:Key",
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "aws:elasticache/globalReplicationGroup:GlobalReplicationGroup",
        "aws:eks/cluster:Cluster",
        "aws:route53/zone:Zone",
        "gcp:storage/bucket:Bucket",
        "gcp:kms/keyRing:KeyRing",
        "gcp:kms/cryptoKey:CryptoKey",
        "gcp:redis/instance:Instance",
        "gcp:redis/cluster:Cluster",
        "gcp:container/cluster:Cluster",
        "gcp:compute/address:Address",  # a released reserved IP is gone for good, and DNS points at it
    }
)


def get(props: Mapping[str, Any] | None, *path: str | int, default: Any = None) -> Any:
    """props[a][b]...; `default` wherever a step is missing.

    The analyzer hands policies read-only proxies (`pulumi_policy.proxy`: a Mapping and a Sequence, not
    dict and list), so steps test for the abstract types.
    """
    value: Any = props
    for step in path:
        if isinstance(step, int):
            value = value[step] if is_sequence(value) and len(value) > step else None
        else:
            value = value.get(step) if isinstance(value, Mapping) else None
        if value is None:
            return default
    return value


def is_sequence(value: Any) -> bool:
    """A list-like prop (a list, or the analyzer's read-only sequence proxy), not a string."""
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def siblings(resources: Iterable[PolicyResource], resource: PolicyResource, resource_type: str) -> list[PolicyResource]:
    """Resources of a type under the same parent component (how side resources join their bucket)."""
    parent = resource.parent.urn if resource.parent else None
    return [r for r in resources if r.resource_type == resource_type and r.parent and r.parent.urn == parent]


def provider_region(resource: PolicyResource) -> str | None:
    """The region a resource is deployed to, read from its provider."""
    return get(resource.provider.props, "region") if resource.provider else None


def is_gpu_node_group(resource_type: str, props: Mapping[str, Any]) -> bool:
    """An EKS node group on GPU instances or the NVIDIA AMI, or a GKE node pool with accelerators."""
    if resource_type == "aws:eks/nodeGroup:NodeGroup":
        types = get(props, "instanceTypes", default=[]) or []
        return "NVIDIA" in str(get(props, "amiType", default="")) or any(gpu_instance_type("aws", t) for t in types)
    if resource_type == "gcp:container/nodePool:NodePool":
        return bool(get(props, "nodeConfig", "guestAccelerators"))
    return False
