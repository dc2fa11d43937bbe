"""The worker's health endpoints on its health port: /healthz (the loop turns), /readyz (Redis reachable), /metrics."""

from __future__ import annotations

import time

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gpu_worker.metrics import WorkerMetrics
from gpu_worker.queue import Consumer
from gpu_worker.serving import BackgroundServer, bind, server_config


def health_app(consumer: Consumer, metrics: WorkerMetrics, stall_seconds: float) -> FastAPI:
    """Liveness fails when the consume loop has not turned for `stall_seconds` (longer than a batch)."""
    app = FastAPI(title="wedsync worker health", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        if time.monotonic() - consumer.last_loop > stall_seconds:
            return JSONResponse({"error": "consume loop stalled"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        if consumer.redis_ok and not consumer.stopping:
            return JSONResponse({"status": "ready"})
        return JSONResponse({"error": "not ready"}, status_code=503)

    @app.get("/metrics")
    def metrics_page() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app


def serve_health(
    host: str, port: int, consumer: Consumer, metrics: WorkerMetrics, stall_seconds: float
) -> BackgroundServer:
    """Serve the health app on `port` (PortInUse, naming --health-port, when it is taken)."""
    sock = bind(host, port, "--health-port")
    config = server_config(health_app(consumer, metrics, stall_seconds), timeout_keep_alive=5, limit_concurrency=64)
    return BackgroundServer(config, sock).start()
