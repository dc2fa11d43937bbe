"""Pure planning arithmetic: the address layout of a region's network. No Pulumi here."""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Network

MAX_ZONES = 6


@dataclass(frozen=True)
class ZoneSubnets:
    """The public and private subnet of one availability zone."""

    zone: str
    public: IPv4Network
    private: IPv4Network


def plan_zone_subnets(cidr: IPv4Network, zones: tuple[str, ...]) -> list[ZoneSubnets]:
    """Split a VPC block into one large private and one small public subnet per zone.

    The block is cut into 8 equal parts: parts 0..5 are the zones' private subnets (nodes and pods
    share them under the VPC CNI, so they are large); part 7 is cut into 8 again for the public
    subnets (NAT gateways and load balancers only). Part 6 stays free for later use.
    """
    if not 1 <= len(zones) <= MAX_ZONES:
        raise ValueError(f"need 1 to {MAX_ZONES} zones (got {len(zones)})")
    parts = list(cidr.subnets(prefixlen_diff=3))
    public_parts = list(parts[7].subnets(prefixlen_diff=3))
    return [ZoneSubnets(zone, public_parts[i], parts[i]) for i, zone in enumerate(zones)]


@dataclass(frozen=True)
class GkeRanges:
    """The address ranges of a GKE region: node subnet, pod and service secondary ranges, control plane."""

    nodes: IPv4Network
    pods: IPv4Network
    services: IPv4Network
    control_plane: IPv4Network


def plan_gke_ranges(cidr: IPv4Network) -> GkeRanges:
    """Split a region's block: the first half for pods, sixteenths of the second for nodes and services,
    and the last /28 for the private control plane."""
    pods, rest = cidr.subnets(prefixlen_diff=1)
    parts = list(rest.subnets(prefixlen_diff=3))
    control_plane = list(parts[-1].subnets(new_prefix=28))[-1]
    return GkeRanges(nodes=parts[0], pods=pods, services=parts[1], control_plane=control_plane)
