"""`serve` tells Prometheus which device and JPEG decode backend produce its pixels (they differ by backend)."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from prometheus_client import generate_latest

from gpu_worker.device import CPU
from gpu_worker.metrics import WorkerMetrics
from tests.redis_server import free_port
from tests.test_queue import _wait, _worker


def test_the_decode_backend_metric_names_the_device_and_the_backend() -> None:
    metrics = WorkerMetrics()
    metrics.report_device(CPU)
    exposed = generate_latest(metrics.registry).decode()
    assert 'wedsync_decode_backend_info{backend="libjpeg-turbo",device="cpu"} 1.0' in exposed


def test_serve_publishes_its_decode_backend_on_metrics(redis_server, tmp_path: Path) -> None:
    port = free_port()
    worker = _worker(redis_server, tmp_path, "--health-port", str(port))  # the queue tests' `serve`, on the CPU
    try:
        exposed: list[str] = [""]

        def published() -> bool:
            try:
                exposed[0] = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=1).read().decode()
            except OSError:
                return False
            return "wedsync_decode_backend_info" in exposed[0]

        _wait(published, what="metrics")
        assert 'wedsync_decode_backend_info{backend="libjpeg-turbo",device="cpu"} 1.0' in exposed[0]
    finally:
        worker.terminate()
        worker.wait(timeout=60)
