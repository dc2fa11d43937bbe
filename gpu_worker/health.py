"""The worker's health endpoints: /healthz (the loop is alive), /readyz (Redis reachable), /metrics."""

from __future__ import annotations

import time
from http.server import ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gpu_worker.http import Request, Response, error, json_response, serve
from gpu_worker.metrics import WorkerMetrics
from gpu_worker.queue import Consumer


def serve_health(
    host: str, port: int, consumer: Consumer, metrics: WorkerMetrics, stall_seconds: float
) -> ThreadingHTTPServer:
    """Liveness fails when the consume loop has not turned for `stall_seconds` (longer than a batch)."""

    def route(request: Request) -> Response:
        if request.method != "GET":
            return error(405, "only GET")
        if request.path == "/healthz":
            stalled = time.monotonic() - consumer.last_loop > stall_seconds
            return error(503, "consume loop stalled") if stalled else json_response(200, {"status": "ok"})
        if request.path == "/readyz":
            ready = consumer.redis_ok and not consumer.stopping
            return json_response(200, {"status": "ready"}) if ready else error(503, "not ready")
        if request.path == "/metrics":
            return 200, {"Content-Type": CONTENT_TYPE_LATEST}, generate_latest(metrics.registry)
        return error(404, f"no route {request.path}")

    return serve(host, port, route)
