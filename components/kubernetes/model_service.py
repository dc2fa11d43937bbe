"""A model service another team builds, served by NVIDIA Triton Inference Server on the GPU pools and routed
under /api/v1/<name>: plain Deployments under an HPA, not KServe (docs/progressive-delivery.md says why)."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.http_service import create_http_service
from components.kubernetes.objects import http_probe, locked_down, requirements, scratch_mount, scratch_volume
from foundation.config import ModelService
from foundation.naming import METRICS_PORT

MODEL_REPOSITORY = "/models"  # in the team's image, and where Triton reads it in the pod
# Triton's health API (KServe v2 protocol): /v2/health/live answers once the server runs; /v2/health/ready only
# once every model loaded at startup is ready (docs.nvidia.com/deeplearning/triton-inference-server, user guide
# "Model Management" and protocol/README "Health"), so no traffic reaches a pod still loading its models.
READY_PATH, LIVE_PATH = "/v2/health/ready", "/v2/health/live"
# Triton exports nv_inference_* and nv_gpu_* in Prometheus format on --metrics-port (user guide "Metrics").


def triton_args(service: ModelService) -> list[str]:
    """Triton's command line: the model repository, HTTP on the service's port, metrics on METRICS_PORT."""
    return [
        "tritonserver",
        f"--model-repository={MODEL_REPOSITORY}",
        f"--http-port={service.port}",
        f"--metrics-port={METRICS_PORT}",
        "--allow-grpc=false",
    ]


def create_model_service(
    name: str, namespace: str, service: ModelService, triton_image: str, opts: pulumi.ResourceOptions
) -> None:
    """The service's Deployment (Triton, its models copied in from the team's image), Service, HPA and PDB."""
    models = k8s.core.v1.VolumeMountArgs(name="models", mount_path=MODEL_REPOSITORY)
    copy_models = k8s.core.v1.ContainerArgs(
        name="model-repository",
        image=service.image,
        command=["cp", "-R", f"{MODEL_REPOSITORY}/.", "/repository/"],
        volume_mounts=[k8s.core.v1.VolumeMountArgs(name="models", mount_path="/repository")],
        resources=requirements(service.resources),
        security_context=locked_down(),
    )
    container = k8s.core.v1.ContainerArgs(
        name=service.name,
        image=triton_image,
        args=triton_args(service),
        ports=[
            k8s.core.v1.ContainerPortArgs(name="http", container_port=service.port),
            k8s.core.v1.ContainerPortArgs(name="http-metrics", container_port=METRICS_PORT),
        ],
        resources=requirements(service.resources, service.gpus),
        liveness_probe=http_probe(LIVE_PATH, "http", period=30, delay=60),
        readiness_probe=http_probe(READY_PATH, "http", delay=30),
        security_context=locked_down(),
        volume_mounts=[models, scratch_mount()],
    )
    volumes = [scratch_volume("1Gi"), _models_volume()]
    create_http_service(
        name,
        namespace,
        service.name,
        service.port,
        service.autoscale,
        container,
        opts,
        scraped=True,
        volumes=volumes,
        on_gpus=True,
        init_containers=[copy_models],
    )


def _models_volume() -> k8s.core.v1.VolumeArgs:
    return k8s.core.v1.VolumeArgs(name="models", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit="20Gi"))
