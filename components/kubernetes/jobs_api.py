"""The jobs API: the worker image in `api` mode on the system pool, behind the gateway's /api/v1/photos; its
readiness (Redis reachable) also answers Route53's health check of the region."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.canary_analysis import outside_freeze, p95_latency, success_rate
from components.kubernetes.http_service import create_http_service, http_footprint
from components.kubernetes.objects import http_probe, locked_down, requirements, scratch_mount
from components.kubernetes.redis_connection import RedisConnection
from components.kubernetes.rollout import Canary
from foundation.config import ApiConfig, Autoscale, FreezeWindow, Resources, Rollouts
from foundation.footprints import Footprint
from foundation.naming import (
    API_PORT,
    API_VIRTUAL_SERVICE,
    JOBS_API,
    LIVENESS_PATH,
    METRICS_PORT,
    READINESS_PATH,
    canary_service,
)

RESOURCES = Resources(cpu_request="250m", memory_request="256Mi", cpu_limit="1", memory_limit="512Mi")


@dataclass(frozen=True)
class JobsApiArgs:
    """The image, the stream jobs are queued on, the store holding the ledger and uploads, who may call it,
    the HPA bounds, its own cloud identity (service-account annotations), how it rolls out and when not."""

    image: str
    stream: str
    store_uri: pulumi.Input[str]
    auth: ApiConfig
    autoscale: Autoscale
    identity: dict[str, pulumi.Input[str]]
    rollouts: Rollouts
    freeze: FreezeWindow


def api_args(args: JobsApiArgs) -> list[pulumi.Input[str]]:
    """The container's command line (`python -m gpu_worker api ...`): tokens verified against the identity
    provider's JWKS, the tenant from its claim, the ledger in the same store the workers commit to."""
    auth = args.auth
    return [
        "api",
        "--redis",
        "$(REDIS_URL)",
        "--stream",
        args.stream,
        "--store",
        args.store_uri,
        "--jwks-url",
        auth.jwks_url,
        "--issuer",
        auth.issuer,
        "--audience",
        auth.audience,
        "--tenant-claim",
        auth.tenant_claim,
        "--rate-limit",
        auth.rate_limit,
        "--port",
        str(API_PORT),
        "--metrics-port",
        str(METRICS_PORT),
    ]


def jobs_api_footprint(args: JobsApiArgs) -> Footprint:
    return http_footprint(args.autoscale, RESOURCES, canaried=True)


def jobs_api_canary(namespace: str, args: JobsApiArgs, today: date) -> Canary:
    """Seed 002's steps on the gateway's jobs-api route, aborted on errors, slowness or the change freeze."""
    analysis = args.rollouts.analysis
    canary = canary_service(JOBS_API)
    return Canary(
        steps=args.rollouts.steps,
        metrics=(
            success_rate(canary, namespace, analysis),
            p95_latency(canary, namespace, analysis),
            outside_freeze(args.freeze, analysis.interval_minutes, today),
        ),
        virtual_service=API_VIRTUAL_SERVICE,
        route=JOBS_API,
    )


def create_jobs_api(
    name: str, namespace: str, args: JobsApiArgs, redis: RedisConnection, opts: pulumi.ResourceOptions
) -> None:
    """The jobs API's Rollout, Services (API and metrics ports; stable and canary), HPA and PDB."""
    container = k8s.core.v1.ContainerArgs(
        name=JOBS_API,
        image=args.image,
        args=api_args(args),
        env=redis.env(),
        ports=[
            k8s.core.v1.ContainerPortArgs(name="http", container_port=API_PORT),
            k8s.core.v1.ContainerPortArgs(name="http-metrics", container_port=METRICS_PORT),
        ],
        resources=requirements(RESOURCES),
        liveness_probe=http_probe(LIVENESS_PATH, "http"),
        readiness_probe=http_probe(READINESS_PATH, "http"),
        security_context=locked_down(),
        volume_mounts=[scratch_mount()],
    )
    create_http_service(
        name,
        namespace,
        JOBS_API,
        API_PORT,
        args.autoscale,
        container,
        opts,
        scraped=True,
        identity=args.identity,
        canary=jobs_api_canary(namespace, args, date.today()),
    )
