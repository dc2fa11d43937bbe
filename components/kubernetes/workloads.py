"""The workloads of the photo namespace: the GPU worker, the jobs API, the job reconciler, the model services
and the Redis exporter, all reading the queue's connection from one secret."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.kubernetes.cache_service import CacheServiceArgs, cache_service_footprint, create_cache_service
from components.kubernetes.jobs_api import JobsApiArgs, create_jobs_api, jobs_api_footprint
from components.kubernetes.model_service import create_model_service
from components.kubernetes.photo_worker import PhotoWorkerArgs, create_photo_worker, footprint
from components.kubernetes.reconciler import FOOTPRINT as RECONCILER_FOOTPRINT
from components.kubernetes.reconciler import ReconcilerArgs, create_reconciler
from components.kubernetes.redis_connection import RedisConnection
from components.kubernetes.redis_exporter import FOOTPRINT, create_redis_exporter
from foundation.config import ModelService
from foundation.footprints import Footprint, model_footprint


@dataclass(frozen=True)
class WorkloadsArgs:
    """Each workload's own args, and the Redis they share."""

    namespace: str
    redis: RedisConnection
    worker: PhotoWorkerArgs
    jobs_api: JobsApiArgs
    reconciler: ReconcilerArgs
    model_services: tuple[ModelService, ...]
    redis_exporter_image: str
    triton_image: str  # serves the model services
    cache: CacheServiceArgs | None = None  # the AI cache service, where the platform has a cache tier
    queue_streams: tuple[str, ...] = ()  # the config-defined queue workers' streams (the exporter reports them)


def footprints(args: WorkloadsArgs) -> list[Footprint]:
    """What each workload of the namespace may run at once (the namespace quota is their sum)."""
    return [
        footprint(args.worker),
        jobs_api_footprint(args.jobs_api),
        FOOTPRINT,
        RECONCILER_FOOTPRINT,
        *(model_footprint(service) for service in args.model_services),
        *([cache_service_footprint(args.cache)] if args.cache else []),
    ]


class Workloads(pulumi.ComponentResource):
    """Deployments, Services, autoscalers and disruption budgets of the namespace."""

    def __init__(self, name: str, args: WorkloadsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("wedsync:k8s:Workloads", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ns = args.namespace
        args.redis.create_secret(f"{name}-redis", ns, child)
        create_photo_worker(name, ns, args.worker, args.redis, child)
        create_jobs_api(name, ns, args.jobs_api, args.redis, child)
        create_reconciler(name, ns, args.reconciler, args.redis, child)
        streams = (args.worker.queue.stream, *args.queue_streams)
        create_redis_exporter(name, ns, args.redis_exporter_image, args.redis, child, streams)
        for service in args.model_services:
            create_model_service(name, ns, service, args.triton_image, child)
        if args.cache is not None:
            create_cache_service(name, ns, args.cache, child)
        self.register_outputs({})
