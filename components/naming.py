"""Names shared across clouds."""

from __future__ import annotations

from infra.config import PlatformConfig, Region


def cluster_name_for(platform: PlatformConfig, region: Region) -> str:
    """The EKS/GKE cluster name of a region (stable: subnet tags and the autoscaler refer to it)."""
    return f"wedsync-{platform.environment}-{region.id}"
