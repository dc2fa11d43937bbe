"""How a queue worker is watched: the port and path its image serves Prometheus metrics on (its own contract,
since the platform does not build its image), and the thresholds of the alerts every queue worker gets
(components/kubernetes/queue_monitoring.py)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from foundation.config.base import Model, PositiveInt

ISTIO_PORTS = range(15000, 15091)  # the sidecar's own ports (Envoy admin, agent, health, stats at 15090)


class MetricsEndpoint(Model):
    """Where the worker image serves Prometheus metrics (scraped by the workload's PodMonitor)."""

    port: Annotated[int, Field(ge=1024, le=65535)] = Field(
        9100, description="Container port of the metrics endpoint (not the health port 8080, not Istio's 15000-15090)"
    )
    path: Annotated[str, StringConstraints(pattern=r"^/[A-Za-z0-9/_.-]*$")] = Field(
        "/metrics", description="HTTP path of the metrics endpoint"
    )

    @field_validator("port")
    @classmethod
    def _free_port(cls, port: int) -> int:
        # Imported here: foundation.naming reads the config's types, so it loads after this module.
        from foundation.naming import METRICS_PORT  # the pod's health port (WEDSYNC_HEALTH_PORT)

        if port == METRICS_PORT or port in ISTIO_PORTS:
            raise ValueError(
                f"must differ from the health port {METRICS_PORT} and the Istio sidecar's ports "
                f"{ISTIO_PORTS.start}-{ISTIO_PORTS.stop - 1} (got {port})"
            )
        return port


class QueueAlerting(Model):
    """Thresholds of the queue worker's alerts (seed 001: a backlog of more than 100 jobs for 5 minutes)."""

    backlog_jobs: PositiveInt = Field(
        100, description="QueueWorkerBacklog: jobs waiting undelivered above this (seed 001: 100)"
    )
    backlog_minutes: PositiveInt = Field(5, description="QueueWorkerBacklog: for this long (seed 001: 5)")
    stalled_minutes: PositiveInt = Field(
        15, description="QueueWorkerStalled: jobs wait and none was read from the queue for this long"
    )
    orphaned_minutes: PositiveInt = Field(
        30,
        description="QueueWorkerJobsOrphaned: a consumer holds claimed jobs and has not touched the group for this "
        "long (set above the image's own reclaim time; the GPU worker reclaims after 2 minutes)",
    )
    at_max_minutes: PositiveInt = Field(
        30, description="QueueWorkerAtMaxReplicas: KEDA has held its maximum pod count for this long"
    )
