"""The VPC of a GCP region: one subnet with pod and service ranges, Cloud NAT for private nodes."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.options import child_opts
from foundation.planning import GkeRanges

PODS_RANGE = "pods"
SERVICES_RANGE = "services"


@dataclass(frozen=True)
class GcpNetworkArgs:
    """The region and its address plan."""

    region: str
    ranges: GkeRanges


class GcpNetwork(pulumi.ComponentResource):
    """A custom-mode VPC, a subnet with secondary ranges and flow logs, and a NAT for egress."""

    network_id: pulumi.Output[str]
    network_name: pulumi.Output[str]
    subnetwork_id: pulumi.Output[str]

    def __init__(self, name: str, args: GcpNetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:gcp:Network", name, None, opts)
        network = gcp.compute.Network(
            f"{name}-vpc",
            name=f"{name}-vpc",
            auto_create_subnetworks=False,
            routing_mode="REGIONAL",
            opts=child_opts(self),
        )
        subnetwork = gcp.compute.Subnetwork(
            f"{name}-nodes",
            name=f"{name}-nodes",
            network=network.id,
            region=args.region,
            ip_cidr_range=str(args.ranges.nodes),
            secondary_ip_ranges=[
                gcp.compute.SubnetworkSecondaryIpRangeArgs(range_name=PODS_RANGE, ip_cidr_range=str(args.ranges.pods)),
                gcp.compute.SubnetworkSecondaryIpRangeArgs(
                    range_name=SERVICES_RANGE, ip_cidr_range=str(args.ranges.services)
                ),
            ],
            private_ip_google_access=True,
            log_config=gcp.compute.SubnetworkLogConfigArgs(
                aggregation_interval="INTERVAL_1_MIN", flow_sampling=0.5, metadata="INCLUDE_ALL_METADATA"
            ),
            opts=child_opts(self),
        )
        router = gcp.compute.Router(
            f"{name}-router", name=f"{name}-router", network=network.id, region=args.region, opts=child_opts(self)
        )
        gcp.compute.RouterNat(
            f"{name}-nat",
            name=f"{name}-nat",
            router=router.name,
            region=args.region,
            nat_ip_allocate_option="AUTO_ONLY",
            source_subnetwork_ip_ranges_to_nat="ALL_SUBNETWORKS_ALL_IP_RANGES",
            log_config=gcp.compute.RouterNatLogConfigArgs(enable=True, filter="ERRORS_ONLY"),
            opts=child_opts(self),
        )

        self.network_id = network.id
        self.network_name = network.name
        self.subnetwork_id = subnetwork.id
        self.register_outputs(
            {"network_id": self.network_id, "network_name": self.network_name, "subnetwork_id": self.subnetwork_id}
        )
