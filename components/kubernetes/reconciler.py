"""The job reconciler: one CronJob per cluster that re-queues accepted jobs Redis lost.

The API writes every accepted job to the ledger in the object store before queueing it; after a Redis
loss, restart or failover the reconciler finds ledger entries with no final record and no queue entry,
older than a grace period, and queues them again. One run at a time (`concurrencyPolicy: Forbid`, and a
Redis lock inside `reconcile`), never one per worker, which would queue duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.objects import labels, locked_down, meta, pod_security, requirements
from components.kubernetes.redis_connection import RedisConnection
from foundation.config import Resources
from foundation.footprints import Footprint
from foundation.naming import RECONCILER
from foundation.scheduling import SYSTEM_NODE_LABELS

RESOURCES = Resources(cpu_request="100m", memory_request="128Mi", cpu_limit="500m", memory_limit="256Mi")
FOOTPRINT = Footprint(pods=1, resources=RESOURCES)  # concurrencyPolicy Forbid: one run at a time
DEADLINE_SECONDS = 240  # a run that hangs is stopped before the next one is due


@dataclass(frozen=True)
class ReconcilerArgs:
    """The image, the store holding the ledger, how often and after how long, and its cloud identity."""

    image: str
    store_uri: pulumi.Input[str]
    every_minutes: int
    grace_seconds: int
    identity: dict[str, pulumi.Input[str]]


def reconcile_args(args: ReconcilerArgs) -> list[pulumi.Input[str]]:
    """The container's command line (`python -m gpu_worker reconcile ...`): one pass, then exit."""
    return ["reconcile", "--redis", "$(REDIS_URL)", "--store", args.store_uri, "--grace", str(args.grace_seconds)]


def create_reconciler(
    name: str, namespace: str, args: ReconcilerArgs, redis: RedisConnection, opts: pulumi.ResourceOptions
) -> None:
    """The reconciler's service account and CronJob."""
    app_labels = labels(RECONCILER, "reconciler")
    k8s.core.v1.ServiceAccount(
        f"{name}-reconciler-sa",
        metadata=meta(RECONCILER, namespace, app_labels, args.identity),
        automount_service_account_token=False,
        opts=opts,
    )
    volumes, mounts = redis.volumes()
    container = k8s.core.v1.ContainerArgs(
        name=RECONCILER,
        image=args.image,
        args=reconcile_args(args),
        env=redis.env(),
        resources=requirements(RESOURCES),
        security_context=locked_down(),
        volume_mounts=mounts,
    )
    k8s.batch.v1.CronJob(
        f"{name}-reconciler",
        metadata=meta(RECONCILER, namespace, app_labels),
        spec=k8s.batch.v1.CronJobSpecArgs(
            schedule=f"*/{args.every_minutes} * * * *",
            concurrency_policy="Forbid",
            starting_deadline_seconds=60,
            successful_jobs_history_limit=1,
            failed_jobs_history_limit=3,
            job_template=k8s.batch.v1.JobTemplateSpecArgs(
                spec=k8s.batch.v1.JobSpecArgs(
                    backoff_limit=0,  # the next run retries; a failed run's pod stays for its logs
                    active_deadline_seconds=DEADLINE_SECONDS,
                    template=k8s.core.v1.PodTemplateSpecArgs(
                        metadata=meta(RECONCILER, extra_labels=app_labels),
                        spec=k8s.core.v1.PodSpecArgs(
                            automount_service_account_token=False,  # calls no Kubernetes API (objects.py)
                            service_account_name=RECONCILER,
                            restart_policy="Never",
                            security_context=pod_security(),
                            node_selector=SYSTEM_NODE_LABELS,
                            containers=[container],
                            volumes=volumes,
                        ),
                    ),
                )
            ),
        ),
        opts=opts,
    )
