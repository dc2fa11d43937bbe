"""The GPU photo worker: a Deployment on the GPU pools, scaled by KEDA on queue lag and Saturday hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.objects import (
    disruption_budget,
    http_probe,
    labels,
    locked_down,
    meta,
    pod_security,
    requirements,
    selector,
)
from components.kubernetes.quota import Footprint
from components.kubernetes.redis_connection import RedisConnection
from foundation.calendar import Weekday, cron_weekday
from foundation.config import Resources, SaturdayPrescale, SeasonProfile, WorkerConfig
from foundation.naming import LIVENESS_PATH, METRICS_PORT, READINESS_PATH, WORKER
from foundation.scheduling import GPU_NODE_LABELS, GPU_TAINT


@dataclass(frozen=True)
class PhotoWorkerArgs:
    """What the worker runs, how it scales, where its photos are and who it is in the cloud."""

    image: str
    queue: WorkerConfig
    resources: Resources
    season: SeasonProfile
    prescale: SaturdayPrescale
    prescale_timezone: str
    prescale_weekday: Weekday
    store_uri: pulumi.Input[str]
    identity: dict[str, pulumi.Input[str]]  # service-account annotations (IRSA role / Google service account)
    gpu_capacity: int  # GPUs the region's pools hold at their maxima this season (foundation.node_pools)


WORKER_GPUS = 1  # GPUs each worker pod requests
# Where the worker keeps CuPy's and the CUDA driver's compiled kernels (gpu_worker/gpu/startup.py reads these, the
# Dockerfile sets the same): the pod's /tmp emptyDir, since the root filesystem is read-only and uid 10001 has no home.
KERNEL_CACHE_ENV = {"CUPY_CACHE_DIR": "/tmp/cupy", "CUDA_CACHE_PATH": "/tmp/cupy/cuda-jit"}
DECODE_BACKEND_ENV = "WEDSYNC_DECODE_BACKEND"  # gpu_worker/gpu/codec.py ENV
# Kernels are compiled and warmed before the worker's health server starts: the startup probe allows for it.
STARTUP_PROBE_PERIOD, STARTUP_PROBE_FAILURES = 5, 24


def replica_bounds(args: PhotoWorkerArgs) -> tuple[int, int]:
    """KEDA's fewest and most workers: the season's, capped by what the region's GPU pools can hold."""
    most = min(args.season.worker_max_replicas, args.gpu_capacity // WORKER_GPUS)
    return min(args.season.worker_min_replicas, most), most


def footprint(args: PhotoWorkerArgs) -> Footprint:
    """Most workers at once: KEDA's maximum (rollouts replace pods without surging past it)."""
    return Footprint(pods=replica_bounds(args)[1], resources=args.resources, gpus=WORKER_GPUS)


def worker_args(args: PhotoWorkerArgs) -> list[pulumi.Input[str]]:
    """The container's command line (`python -m gpu_worker serve ...`)."""
    queue = args.queue
    return [
        "serve",
        "--redis",
        "$(REDIS_URL)",
        "--store",
        args.store_uri,
        "--stream",
        queue.stream,
        "--group",
        queue.group,
        "--batch-size",
        str(queue.batch_size),
        "--max-deliveries",
        str(queue.max_deliveries),
        "--health-port",
        str(METRICS_PORT),
        "--device",
        "gpu",
    ]


def create_photo_worker(
    name: str, namespace: str, args: PhotoWorkerArgs, redis: RedisConnection, opts: pulumi.ResourceOptions
) -> None:
    """The worker's service account, Deployment, metrics Service, PDB and KEDA scaler."""
    app_labels = labels(WORKER, "gpu-worker", scraped=True)
    k8s.core.v1.ServiceAccount(
        f"{name}-worker-sa",
        metadata=meta(WORKER, namespace, app_labels, args.identity),
        automount_service_account_token=False,
        opts=opts,
    )
    volumes, mounts = redis.volumes()
    container = k8s.core.v1.ContainerArgs(
        name=WORKER,
        image=args.image,
        args=worker_args(args),
        env=[
            *redis.env(),
            *(k8s.core.v1.EnvVarArgs(name=key, value=value) for key, value in KERNEL_CACHE_ENV.items()),
            k8s.core.v1.EnvVarArgs(name=DECODE_BACKEND_ENV, value=args.queue.decode_backend),
        ],
        ports=[k8s.core.v1.ContainerPortArgs(name="http-metrics", container_port=METRICS_PORT)],
        resources=requirements(args.resources, gpus=WORKER_GPUS),
        startup_probe=http_probe(
            LIVENESS_PATH, "http-metrics", period=STARTUP_PROBE_PERIOD, failures=STARTUP_PROBE_FAILURES, delay=0
        ),
        liveness_probe=http_probe(LIVENESS_PATH, "http-metrics", period=20, failures=6, delay=30),
        readiness_probe=http_probe(READINESS_PATH, "http-metrics"),
        security_context=locked_down(),
        volume_mounts=mounts,
    )
    k8s.apps.v1.Deployment(
        f"{name}-worker",
        metadata=meta(WORKER, namespace, app_labels),
        spec=k8s.apps.v1.DeploymentSpecArgs(  # no replicas: KEDA owns the count
            selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector(WORKER)),
            strategy=k8s.apps.v1.DeploymentStrategyArgs(  # at the maximum every GPU is taken: no surge pods
                type="RollingUpdate",
                rolling_update=k8s.apps.v1.RollingUpdateDeploymentArgs(max_surge=0, max_unavailable="25%"),
            ),
            template=k8s.core.v1.PodTemplateSpecArgs(
                metadata=meta(WORKER, extra_labels=app_labels),  # scraped through ServiceMonitor gpu-worker
                spec=k8s.core.v1.PodSpecArgs(
                    automount_service_account_token=False,  # calls no Kubernetes API (objects.py)
                    service_account_name=WORKER,
                    security_context=pod_security(),
                    termination_grace_period_seconds=args.queue.termination_grace_seconds,
                    tolerations=[GPU_TAINT.toleration()],
                    affinity=_gpu_node_affinity(),
                    containers=[container],
                    volumes=volumes,
                ),
            ),
        ),
        opts=opts,
    )
    k8s.core.v1.Service(
        f"{name}-worker-metrics",
        metadata=meta(f"{WORKER}-metrics", namespace, app_labels),
        spec=k8s.core.v1.ServiceSpecArgs(
            selector=selector(WORKER),
            ports=[k8s.core.v1.ServicePortArgs(name="http-metrics", port=METRICS_PORT, target_port="http-metrics")],
        ),
        opts=opts,
    )
    disruption_budget(f"{name}-worker-pdb", namespace, WORKER, opts)
    _create_scaler(name, namespace, args, redis, opts)


def _cron(at: time, weekday: Weekday) -> str:
    return f"{at.minute} {at.hour} * * {cron_weekday(weekday)}"


def _create_scaler(
    name: str, namespace: str, args: PhotoWorkerArgs, redis: RedisConnection, opts: pulumi.ResourceOptions
) -> None:
    """KEDA: scale on the consumer group's lag, keep workers while jobs are pending, and hold the Saturday
    pre-scale on the region's clock."""
    auth = k8s.apiextensions.CustomResource(
        f"{name}-redis-auth",
        api_version="keda.sh/v1alpha1",
        kind="TriggerAuthentication",
        metadata=meta("redis-streams", namespace),
        spec={"secretTargetRef": redis.trigger_secret_refs()},
        opts=opts,
    )
    prescale, queue = args.prescale, args.queue
    fewest, most = replica_bounds(args)
    group = {
        "address": redis.address,
        "stream": queue.stream,
        "consumerGroup": queue.group,
        "enableTLS": "true",
        "activationLagCount": "0",  # active from the first entry
    }
    k8s.apiextensions.CustomResource(
        f"{name}-worker-scaler",
        api_version="keda.sh/v1alpha1",
        kind="ScaledObject",
        metadata=meta(WORKER, namespace, labels(WORKER, "autoscaling")),
        spec={
            "scaleTargetRef": {"name": WORKER},
            "minReplicaCount": fewest,
            "maxReplicaCount": most,
            "pollingInterval": 15,
            "cooldownPeriod": 300,
            # One redis-streams trigger has one mode: with lagCount it counts unread entries and ignores pending
            # ones (keda pkg/scalers/redis_streams_scaler.go). A second trigger counts claimed-but-unacknowledged
            # entries, one batch per worker, so workers stay while any job is pending and none are added for it.
            "triggers": [
                {
                    "type": "redis-streams",
                    "metadata": {**group, "lagCount": str(args.season.queue_lag_target)},
                    "authenticationRef": {"name": "redis-streams"},
                },
                {
                    "type": "redis-streams",
                    "metadata": {**group, "pendingEntriesCount": str(queue.batch_size)},
                    "authenticationRef": {"name": "redis-streams"},
                },
                {
                    "type": "cron",
                    "metadata": {
                        "timezone": args.prescale_timezone,
                        "start": _cron(prescale.start, args.prescale_weekday),
                        "end": _cron(prescale.end, args.prescale_weekday),
                        "desiredReplicas": str(min(prescale.replicas, most)),
                    },
                },
            ],
        },
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[auth])),
    )


def _gpu_node_affinity() -> k8s.core.v1.AffinityArgs:
    """Only nodes of the GPU pools (their labels come from the same definition as the node groups')."""
    terms = [
        k8s.core.v1.NodeSelectorRequirementArgs(key=key, operator="In", values=[value])
        for key, value in GPU_NODE_LABELS.items()
    ]
    required = k8s.core.v1.NodeSelectorArgs(
        node_selector_terms=[k8s.core.v1.NodeSelectorTermArgs(match_expressions=terms)]
    )
    return k8s.core.v1.AffinityArgs(
        node_affinity=k8s.core.v1.NodeAffinityArgs(required_during_scheduling_ignored_during_execution=required)
    )
