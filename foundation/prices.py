"""The price table behind the cost estimate and the GPU budget policy: one source for both.

Every figure is a public list price in USD with the page it comes from and the date it was
recorded. They were recorded from the providers' published list prices without live access to
the pricing APIs (this project's machines have no internet); verify them against the pages before
budgeting, and update `RECORDED` when you do. Spot prices float: the figure is a typical recent
price, and the budget policy uses on-demand prices for on-demand pools and spot figures for spot
pools.
"""

from __future__ import annotations

from dataclasses import dataclass

from foundation.capacity import Capacity

RECORDED = "2026-11-22"
HOURS_PER_MONTH = 730

AWS_EC2 = "https://aws.amazon.com/ec2/pricing/on-demand/ (us-east-1, Linux)"
AWS_SPOT = "https://aws.amazon.com/ec2/spot/pricing/ (us-east-1, Linux, recent typical)"
AWS_VPC = "https://aws.amazon.com/vpc/pricing/ (NAT gateway, us-east-1)"
AWS_ELB = "https://aws.amazon.com/elasticloadbalancing/pricing/ (Network Load Balancer, us-east-1)"
AWS_ELASTICACHE = "https://aws.amazon.com/elasticache/pricing/ (on-demand nodes, us-east-1)"
AWS_S3 = "https://aws.amazon.com/s3/pricing/ (S3 Standard, first 50 TB, us-east-1)"
AWS_EKS = "https://aws.amazon.com/eks/pricing/ (standard support)"
GCP_COMPUTE = "https://cloud.google.com/compute/vm-instance-pricing (asia-southeast1)"
GCP_NAT = "https://cloud.google.com/nat/pricing"
GCP_LB = "https://cloud.google.com/vpc/network-pricing (forwarding rule)"
GCP_MEMORYSTORE = "https://cloud.google.com/memorystore/docs/redis/pricing (Standard tier, M2)"
GCP_STORAGE = "https://cloud.google.com/storage/pricing (dual-region Standard, Asia)"
AWS_CLOUDFRONT = "https://aws.amazon.com/cloudfront/pricing/ (data transfer out, North America and Europe, first 10 TB)"
GCP_CDN = "https://cloud.google.com/cdn/pricing (cache egress, North America and Europe, first 10 TB)"
GCP_GKE = "https://cloud.google.com/kubernetes-engine/pricing (cluster management fee)"
AWS_ELASTICACHE_VALKEY = (
    "https://aws.amazon.com/elasticache/pricing/ (on-demand nodes, us-east-1: the Redis OSS node price less AWS's "
    "stated 20% Valkey discount for node-based clusters, which was not read on the page itself; its serverless "
    "section, read 2026-11-29 in the aws.eu/it/elasticache/pricing copy, lists serverless Valkey 33% below)"
)
GCP_MEMORYSTORE_CLUSTER = (
    "https://cloud.google.com/memorystore/docs/cluster/pricing (per node-hour, us-central1; the page renders its "
    "table per region by script and the figures were not read from it: recorded from the list as remembered, verify)"
)

ON_DEMAND, SPOT = Capacity.ON_DEMAND, Capacity.SPOT


@dataclass(frozen=True)
class Price:
    """An hourly (or per-unit) list price, with where and when it was recorded."""

    usd: float
    source: str
    recorded: str = RECORDED
    read_on_page: bool = True  # False: not read on the provider's page (an estimate the cost report flags)


# Instance and machine types per hour, by capacity type. GCP G2/A2 prices include their GPUs.
INSTANCE_HOURLY: dict[tuple[str, Capacity], Price] = {
    ("g6.xlarge", ON_DEMAND): Price(0.8048, AWS_EC2),
    ("g6.2xlarge", ON_DEMAND): Price(0.9776, AWS_EC2),
    ("g6.12xlarge", ON_DEMAND): Price(4.6016, AWS_EC2),
    ("g6.xlarge", SPOT): Price(0.33, AWS_SPOT),
    ("g6.2xlarge", SPOT): Price(0.41, AWS_SPOT),
    ("g5.xlarge", ON_DEMAND): Price(1.006, AWS_EC2),
    ("g5.2xlarge", ON_DEMAND): Price(1.212, AWS_EC2),
    ("g5.xlarge", SPOT): Price(0.45, AWS_SPOT),
    ("g6e.xlarge", ON_DEMAND): Price(1.861, AWS_EC2),
    ("p4d.24xlarge", ON_DEMAND): Price(32.7726, AWS_EC2),
    ("p5.48xlarge", ON_DEMAND): Price(98.32, AWS_EC2),
    ("m6i.large", ON_DEMAND): Price(0.096, AWS_EC2),
    ("m6i.xlarge", ON_DEMAND): Price(0.192, AWS_EC2),
    ("m6i.2xlarge", ON_DEMAND): Price(0.384, AWS_EC2),
    ("g2-standard-4", ON_DEMAND): Price(0.8864, GCP_COMPUTE),
    ("g2-standard-8", ON_DEMAND): Price(1.0714, GCP_COMPUTE),
    ("g2-standard-4", SPOT): Price(0.3546, GCP_COMPUTE),
    ("g2-standard-8", SPOT): Price(0.4286, GCP_COMPUTE),
    ("a2-highgpu-1g", ON_DEMAND): Price(4.6749, GCP_COMPUTE),
    ("e2-standard-4", ON_DEMAND): Price(0.1652, GCP_COMPUTE),
    ("e2-standard-8", ON_DEMAND): Price(0.3304, GCP_COMPUTE),
}

REDIS_NODE_HOURLY: dict[str, Price] = {
    "cache.t4g.medium": Price(0.065, AWS_ELASTICACHE),
    "cache.r7g.large": Price(0.219, AWS_ELASTICACHE),
    "cache.r7g.xlarge": Price(0.437, AWS_ELASTICACHE),
}
# The AI cache tier (foundation/config/cache.py): ElastiCache for Valkey node-hours, priced as the Redis OSS node less
# the Valkey discount; Memorystore for Redis Cluster per node (every primary and replica is a billed node).
VALKEY_DISCOUNT = 0.20
CACHE_RECORDED = "2026-11-29"
VALKEY_NODE_HOURLY: dict[str, Price] = {
    node_type: Price(round(price.usd * (1 - VALKEY_DISCOUNT), 4), AWS_ELASTICACHE_VALKEY, CACHE_RECORDED, False)
    for node_type, price in REDIS_NODE_HOURLY.items()
}
MEMORYSTORE_CLUSTER_NODE_HOURLY: dict[str, Price] = {
    "REDIS_SHARED_CORE_NANO": Price(0.0436, GCP_MEMORYSTORE_CLUSTER, CACHE_RECORDED, False),
    "REDIS_STANDARD_SMALL": Price(0.1080, GCP_MEMORYSTORE_CLUSTER, CACHE_RECORDED, False),
    "REDIS_HIGHMEM_MEDIUM": Price(0.1750, GCP_MEMORYSTORE_CLUSTER, CACHE_RECORDED, False),
    "REDIS_HIGHMEM_XLARGE": Price(0.7780, GCP_MEMORYSTORE_CLUSTER, CACHE_RECORDED, False),
}
MEMORYSTORE_GB_HOURLY = Price(0.063, GCP_MEMORYSTORE)  # Standard (HA) tier, 5-10 GB capacity band
NAT_GATEWAY_HOURLY = {"aws": Price(0.045, AWS_VPC), "gcp": Price(0.044, GCP_NAT)}
LOAD_BALANCER_HOURLY = {"aws": Price(0.0225, AWS_ELB), "gcp": Price(0.025, GCP_LB)}
CLUSTER_HOURLY = {"aws": Price(0.10, AWS_EKS), "gcp": Price(0.10, GCP_GKE)}
CDN_EGRESS_GB = {"aws": Price(0.085, AWS_CLOUDFRONT), "gcp": Price(0.08, GCP_CDN)}
STORAGE_TB_MONTH = {"aws": Price(23.55, AWS_S3), "gcp": Price(56.32, GCP_STORAGE)}


class UnknownPrice(KeyError):
    """No price is recorded for a type; add it to the table with its source."""


def instance_hourly(instance_type: str, capacity: Capacity) -> Price:
    """The hourly price of one node; spot falls back to on-demand when no spot figure is recorded."""
    price = INSTANCE_HOURLY.get((instance_type, capacity)) or INSTANCE_HOURLY.get((instance_type, ON_DEMAND))
    if price is None:
        raise UnknownPrice(f"no price recorded for {instance_type} in foundation/prices.py")
    return price


def redis_hourly(node_type: str) -> Price:
    return _node_price(REDIS_NODE_HOURLY, node_type)


def cache_node_hourly(cloud: str, node_type: str) -> Price:
    """One node of the AI cache cluster: ElastiCache for Valkey (aws) or Memorystore for Redis Cluster (gcp)."""
    return _node_price(VALKEY_NODE_HOURLY if cloud == "aws" else MEMORYSTORE_CLUSTER_NODE_HOURLY, node_type)


def _node_price(table: dict[str, Price], node_type: str) -> Price:
    price = table.get(node_type)
    if price is None:
        raise UnknownPrice(f"no price recorded for {node_type} in foundation/prices.py")
    return price
