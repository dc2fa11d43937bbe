"""The cloud endpoints a queue worker's sidecar may reach directly (its bucket and its workload identity), when
its namespace admits only registered hosts (Istio REGISTRY_ONLY). External AI APIs go through the egress gateway
instead (foundation/config/queue_workers.py `egress`)."""

from __future__ import annotations

from foundation.catalog import Cloud


def cloud_api_hosts(cloud: Cloud, region: str) -> tuple[str, ...]:
    """S3 (virtual-hosted bucket names included) and STS for IRSA on AWS; Cloud Storage and the token services
    Workload Identity uses on GCP."""
    if cloud is Cloud.AWS:
        return (f"s3.{region}.amazonaws.com", f"*.s3.{region}.amazonaws.com", f"sts.{region}.amazonaws.com")
    return ("storage.googleapis.com", "oauth2.googleapis.com", "sts.googleapis.com", "iamcredentials.googleapis.com")
