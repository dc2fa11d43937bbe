"""Running the jobs API: uvicorn on the API port (timeouts, backlog and worker processes from flags),
Prometheus metrics on the metrics port.

With `--workers N` (N > 1) uvicorn's supervisor runs N processes on the one socket; the settings reach
them through the environment, and their metrics are gathered with prometheus_client's multiprocess mode
(each process writes its samples under PROMETHEUS_MULTIPROC_DIR; the supervisor's metrics port sums them).
"""

from __future__ import annotations

import os
import signal
import tempfile
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI
from prometheus_client import CollectorRegistry, make_asgi_app, multiprocess

from gpu_worker.api.app import create_app
from gpu_worker.api.observe import ApiMetrics
from gpu_worker.api.settings import SETTINGS_ENVIRONMENT, ApiSettings
from gpu_worker.serving import BackgroundServer, bind, server_config

METRICS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"


@dataclass(frozen=True)
class ServerSettings:
    """How the API listens (flags of `python -m gpu_worker api`)."""

    host: str
    port: int
    metrics_port: int
    workers: int = 1
    backlog: int = 2048
    timeout_keep_alive: int = 5  # seconds an idle keep-alive connection is kept
    limit_concurrency: int = 1000  # connections and tasks at once; past it, 503 at once
    timeout_graceful_shutdown: int = 20  # seconds in-flight requests get after SIGTERM


def app_from_environment() -> FastAPI:
    """The application of one worker process of `--workers N` (uvicorn's factory)."""
    return create_app(ApiSettings.model_validate_json(os.environ[SETTINGS_ENVIRONMENT]))


def _api_config(app: FastAPI | str, server: ServerSettings, **options: object) -> uvicorn.Config:
    return server_config(
        app,
        backlog=server.backlog,
        timeout_keep_alive=server.timeout_keep_alive,
        limit_concurrency=server.limit_concurrency,
        timeout_graceful_shutdown=server.timeout_graceful_shutdown,
        **options,
    )


def run_api(settings: ApiSettings, server: ServerSettings) -> None:
    """Serve until SIGTERM/SIGINT (then finish in-flight requests); PortInUse if a port is taken."""
    for signum in (signal.SIGTERM, signal.SIGINT):  # uvicorn re-raises the signal it stopped on: end with 0
        signal.signal(signum, lambda *_: None)
    api_socket = bind(server.host, server.port, "--port", server.backlog)
    metrics_socket = bind(server.host, server.metrics_port, "--metrics-port")
    if server.workers == 1:
        metrics = ApiMetrics()
        config = _api_config(create_app(settings, metrics), server)
        metrics_server = BackgroundServer(server_config(make_asgi_app(metrics.registry)), metrics_socket).start()
        try:
            uvicorn.Server(config).run(sockets=[api_socket])
        finally:
            metrics_server.stop()
        return
    from uvicorn.supervisors import Multiprocess

    os.environ.setdefault(METRICS_DIRECTORY, tempfile.mkdtemp(prefix="wedsync-api-metrics-"))
    os.environ[SETTINGS_ENVIRONMENT] = settings.model_dump_json()
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    metrics_server = BackgroundServer(server_config(make_asgi_app(registry)), metrics_socket).start()
    config = _api_config("gpu_worker.api.server:app_from_environment", server, factory=True, workers=server.workers)
    try:
        Multiprocess(config, sockets=[api_socket]).run()
    finally:
        metrics_server.stop()
