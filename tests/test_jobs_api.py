"""The jobs API: validated submissions are queued, bad input gets a clear 4xx, status is readable."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from gpu_worker.api import serve_api
from gpu_worker.cli import PortPurpose, build_parser, served_ports
from gpu_worker.jobs import DEFAULT_STREAM, JobStatus, load
from gpu_worker.samples import jpeg_bytes
from tests.redis_server import free_port


@pytest.fixture
def api(redis_server):
    port = free_port()
    running = serve_api("127.0.0.1", port, free_port(), redis_server.client(), DEFAULT_STREAM)
    yield f"http://127.0.0.1:{port}"
    running.shutdown()


def _call(url: str, method: str = "GET", body: bytes | None = None, content_type: str = "application/json"):
    request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_a_job_is_queued_processed_and_reported_done(api, redis_server, tmp_path: Path) -> None:
    (tmp_path / "gallery").mkdir()
    (tmp_path / "gallery/001.jpg").write_bytes(jpeg_bytes(200, 300))
    status, created = _call(
        f"{api}/api/v1/photos/jobs", "POST", json.dumps({"input": "gallery/001.jpg", "output": "out/001"}).encode()
    )
    assert status == 202
    assert created == {
        "id": created["id"],
        "status": "queued",
        "input": "gallery/001.jpg",
        "output": "out/001",
        "attempts": 0,
    }
    assert redis_server.client().xlen(DEFAULT_STREAM) == 1
    assert _call(f"{api}/api/v1/photos/jobs/{created['id']}") == (200, created)  # the same view on GET

    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gpu_worker",
            "serve",
            "--redis",
            redis_server.url,
            "--store",
            f"file://{tmp_path}",
            "--device",
            "cpu",
            "--long-edges",
            "64",
            "--health-port",
            "0",
        ]
    )
    try:
        deadline = time.monotonic() + 60
        while _call(f"{api}/api/v1/photos/jobs/{created['id']}")[1]["status"] != "done":
            assert time.monotonic() < deadline, "job never finished"
            time.sleep(0.1)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    _, done = _call(f"{api}/api/v1/photos/jobs/{created['id']}")
    assert done["outputs"] == ["out/001/full.jpg", "out/001/64.jpg"] and done["attempts"] == 1
    assert "error" not in done
    assert all((tmp_path / key).is_file() for key in done["outputs"])
    assert done["status"] == load(redis_server.client(), created["id"]).status == JobStatus.DONE


@pytest.mark.parametrize(
    ("body", "content_type", "status", "message"),
    [
        (b"{not json", "application/json", 400, "body is not JSON"),
        (b'{"input": "a.jpg", "output": "o"}', "text/plain", 415, "application/json"),
        (b'{"input": "../../etc/passwd", "output": "o"}', "application/json", 422, "input"),
        (b'{"input": "/abs.jpg", "output": "o"}', "application/json", 422, "input"),
        (b'{"input": "a.jpg"}', "application/json", 422, "output: Field required"),
        (b'{"input": "a.jpg", "output": "o", "priority": 9}', "application/json", 422, "priority"),
        (json.dumps({"input": "a" * 20000, "output": "o"}).encode(), "application/json", 413, "over"),
    ],
)
def test_bad_submissions_get_a_clear_4xx_and_queue_nothing(api, redis_server, body, content_type, status, message):
    code, payload = _call(f"{api}/api/v1/photos/jobs", "POST", body, content_type)
    assert code == status
    assert message in payload["error"]
    assert redis_server.client().exists(DEFAULT_STREAM) == 0


def test_unknown_jobs_and_routes_are_404(api) -> None:
    assert _call(f"{api}/api/v1/photos/jobs/{'0' * 32}")[0] == 404
    assert _call(f"{api}/api/v1/photos/nothing")[0] == 404
    assert _call(f"{api}/api/v1/photos/jobs", "GET")[0] == 405


def test_liveness_does_not_depend_on_redis_but_readiness_does(api, redis_server) -> None:
    assert _call(f"{api}/readyz")[0] == 200
    redis_server.stop()
    assert _call(f"{api}/healthz") == (200, {"status": "ok"})  # an outage must not restart every replica
    assert _call(f"{api}/readyz") == (503, {"error": "redis unreachable"})


def _metric(text: str, sample: str) -> float:
    """The value of one sample line of a Prometheus exposition (0 when absent: counters start at 0)."""
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(f"{sample} ")]
    return values[0] if values else 0.0


def test_the_api_command_serves_metrics_on_its_metrics_port(redis_server) -> None:
    """`api --port --metrics-port`, as its Deployment runs it, serves what `served_ports` says it does (the
    contract test trusts that function): the API and health on one port, request counts on the other."""
    command = ["api", "--redis", redis_server.url, "--port", str(free_port()), "--metrics-port", str(free_port())]
    ports = served_ports(build_parser().parse_args(command))
    api = subprocess.Popen([sys.executable, "-m", "gpu_worker", *command])
    base, health = f"http://127.0.0.1:{ports[PortPurpose.API]}", f"http://127.0.0.1:{ports[PortPurpose.HEALTH]}"
    metrics_url = f"http://127.0.0.1:{ports[PortPurpose.METRICS]}/metrics"
    counter = 'wedsync_api_requests_total{code="202",method="POST",route="/api/v1/photos/jobs"}'
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                before = urllib.request.urlopen(metrics_url, timeout=1).read().decode()
                break
            except OSError:
                assert api.poll() is None and time.monotonic() < deadline, "the metrics port never answered"
                time.sleep(0.1)
        assert _call(f"{health}/healthz") == (200, {"status": "ok"})
        assert _call(f"{health}/readyz") == (200, {"status": "ready"})
        body = json.dumps({"input": "gallery/001.jpg", "output": "out/001"}).encode()
        assert _call(f"{base}/api/v1/photos/jobs", "POST", body)[0] == 202
        after = urllib.request.urlopen(metrics_url, timeout=5).read().decode()
        assert _metric(after, counter) == _metric(before, counter) + 1
        assert _call(f"{base}/metrics")[0] == 404  # not on the API port, which the mesh exposes
    finally:
        api.terminate()
        assert api.wait(timeout=30) == 0
