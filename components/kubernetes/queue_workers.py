"""The config's queue workloads as one region's component args (each on its own pool, with its own identity)."""

from __future__ import annotations

import pulumi

from components.kubernetes.queue_monitoring import WatchedQueue
from components.kubernetes.queue_worker import QueueWorkerArgs, watched_queue
from components.kubernetes.workloads import WorkloadsArgs
from foundation.config import PlatformConfig, Region
from foundation.egress import cloud_api_hosts
from foundation.naming import WORKER
from foundation.node_pools import plan_node_pools, queue_pool
from foundation.scheduling import queue_node_labels


def queue_worker_args(
    platform: PlatformConfig,
    region: Region,
    *,
    store_uri: pulumi.Input[str],
    identities: dict[str, dict[str, pulumi.Input[str]]],
    redis_port: int,
    metadata_server: bool,
) -> tuple[QueueWorkerArgs, ...]:
    """One args value per enabled workload; `identities` maps a workload's name to its service-account
    annotations (none given: the workload runs without a cloud identity)."""
    pools = plan_node_pools(platform, region)
    return tuple(
        QueueWorkerArgs(
            workload=workload,
            region=region.id,
            season=platform.season,
            prescale=platform.kubernetes.saturday_prescale,
            prescale_timezone=region.timezone or platform.freeze.timezone,
            prescale_weekday=platform.freeze.weekday,
            store_uri=store_uri,
            identity=identities.get(workload.name, {}),
            runbooks_url=platform.kubernetes.runbooks_url,
            pod_capacity=queue_pool(pools, workload.name).max_pods(),
            cloud_hosts=cloud_api_hosts(region.cloud, region.id),
            quota=platform.kubernetes.quota,
            redis_port=redis_port,
            metadata_server=metadata_server,
            node_selector=queue_node_labels(workload.name),
        )
        for workload in platform.queue_workers
        if workload.enabled
    )


def photo_queue(workloads: WorkloadsArgs) -> WatchedQueue:
    """The GPU photo worker as a queue worker: its stream and group, its ScaledObject named after it."""
    return WatchedQueue(WORKER, workloads.namespace, workloads.worker.queue.stream, workloads.worker.queue.group)


def watched_queues(workloads: WorkloadsArgs, queue_workers: tuple[QueueWorkerArgs, ...]) -> tuple[WatchedQueue, ...]:
    """Every queue worker of the cluster, the GPU photo worker first, as the dashboard's rows see them."""
    return (photo_queue(workloads), *(watched_queue(worker.workload) for worker in queue_workers))
