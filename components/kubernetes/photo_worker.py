"""The GPU photo worker: a Deployment on the GPU pools, scaled by KEDA on queue lag and Saturday hours
(components/kubernetes/queue_scaler.py, shared with the CPU queue workers)."""

from __future__ import annotations

from dataclasses import dataclass

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
from components.kubernetes.queue_scaler import QueueScaling, create_queue_scaler
from components.kubernetes.redis_connection import RedisConnection
from foundation.calendar import Weekday
from foundation.config import Resources, SaturdayPrescale, SeasonProfile, WorkerConfig
from foundation.footprints import WORKER_GPUS, Footprint, worker_replica_bounds
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
    gpu_capacity: int  # GPUs the region's pools hold at their maxima this season, less the model services' reservation


# Where the worker keeps CuPy's and the CUDA driver's compiled kernels (gpu_worker/gpu/startup.py reads these, the
# Dockerfile sets the same): the pod's /tmp emptyDir, since the root filesystem is read-only and uid 10001 has no home.
KERNEL_CACHE_ENV = {"CUPY_CACHE_DIR": "/tmp/cupy", "CUDA_CACHE_PATH": "/tmp/cupy/cuda-jit"}
DECODE_BACKEND_ENV = "WEDSYNC_DECODE_BACKEND"  # gpu_worker/gpu/codec.py ENV
# Kernels are compiled and warmed before the worker's health server starts: the startup probe allows for it.
STARTUP_PROBE_PERIOD, STARTUP_PROBE_FAILURES = 5, 24


def replica_bounds(args: PhotoWorkerArgs) -> tuple[int, int]:
    """KEDA's fewest and most workers: the season's, capped by what the region's GPU pools can hold."""
    return worker_replica_bounds(args.season, args.gpu_capacity)


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
    create_queue_scaler(
        name,
        namespace,
        queue_scaling(args),
        redis,
        opts,
        auth_resource=f"{name}-redis-auth",
        scaler_resource=f"{name}-worker-scaler",
    )


def queue_scaling(args: PhotoWorkerArgs) -> QueueScaling:
    """The worker's KEDA settings: the season's lag target, one batch pending per pod, the Saturday pre-scale."""
    fewest, most = replica_bounds(args)
    return QueueScaling(
        deployment=WORKER,
        stream=args.queue.stream,
        group=args.queue.group,
        lag_target=args.season.queue_lag_target,
        pending_per_pod=args.queue.batch_size,
        fewest=fewest,
        most=most,
        prescale=args.prescale,
        prescale_replicas=args.prescale.replicas,
        timezone=args.prescale_timezone,
        weekday=args.prescale_weekday,
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
