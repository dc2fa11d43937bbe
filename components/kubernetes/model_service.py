"""A model service another team builds: a CPU HTTP service routed under /api/v1/<name>."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.http_service import create_http_service
from components.kubernetes.objects import http_probe, locked_down, requirements, scratch_mount
from foundation.config import ModelService


def create_model_service(name: str, namespace: str, service: ModelService, opts: pulumi.ResourceOptions) -> None:
    """The service's Deployment, Service, HPA and PDB; probed on its /health endpoint."""
    container = k8s.core.v1.ContainerArgs(
        name=service.name,
        image=service.image,
        ports=[k8s.core.v1.ContainerPortArgs(name="http", container_port=service.port)],
        resources=requirements(service.resources),
        liveness_probe=http_probe("/health", "http", period=30, delay=60),
        readiness_probe=http_probe("/health", "http", delay=30),
        security_context=locked_down(),
        volume_mounts=[scratch_mount()],
    )
    create_http_service(name, namespace, service.name, service.port, service.autoscale, container, opts)
