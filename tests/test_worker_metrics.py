"""`serve` tells Prometheus which device and JPEG decode backend produce its pixels (they differ by backend)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from prometheus_client import generate_latest

from gpu_worker.device import CPU
from gpu_worker.metrics import WorkerMetrics


def test_the_decode_backend_metric_names_the_device_and_the_backend() -> None:
    metrics = WorkerMetrics()
    metrics.report_device(CPU)
    exposed = generate_latest(metrics.registry).decode()
    assert 'wedsync_decode_backend_info{backend="libjpeg-turbo",device="cpu"} 1.0' in exposed


def test_serve_publishes_its_decode_backend_on_metrics(redis_server, tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "gpu_worker",
        "serve",
        "--redis",
        redis_server.url,
        "--store",
        f"file://{tmp_path}",
    ]
    worker = subprocess.Popen([*command, "--device", "cpu", "--health-port", str(port)], stderr=subprocess.DEVNULL)
    try:
        deadline, exposed = time.monotonic() + 60, ""
        while time.monotonic() < deadline and "wedsync_decode_backend_info" not in exposed:
            try:
                exposed = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=1).read().decode()
            except OSError:
                time.sleep(0.1)
        assert 'wedsync_decode_backend_info{backend="libjpeg-turbo",device="cpu"} 1.0' in exposed
    finally:
        worker.terminate()
        worker.wait(timeout=60)
