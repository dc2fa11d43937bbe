"""What every regional component exposes to the stack program, whichever cloud it runs on."""

from __future__ import annotations

from typing import Any

import pulumi


class RegionComponent(pulumi.ComponentResource):
    """Base of AwsRegion and GcpRegion: the outputs the stack wires into DNS and exports."""

    cluster_name: pulumi.Output[str]
    cluster_endpoint: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    bucket_name: pulumi.Output[str]
    redis_endpoint: pulumi.Output[str]
    redis_port: pulumi.Output[int]
    redis_auth_token: pulumi.Output[str]
    ingress_endpoint: pulumi.Output[str]
    cache_endpoint: pulumi.Output[str] | None  # the AI cache's discovery endpoint; None without a cache tier
    # What a replica region's cache is given to follow this one (the cloud's own kind); None when not a primary.
    cache_replication_source: Any = None
