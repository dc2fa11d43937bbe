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
from gpu_worker.jobs import DEFAULT_STREAM, JobStatus, load
from gpu_worker.samples import jpeg_bytes
from tests.redis_server import free_port


@pytest.fixture
def api(redis_server):
    port = free_port()
    server = serve_api("127.0.0.1", port, redis_server.client(), DEFAULT_STREAM)
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


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


def test_requests_are_counted_on_the_metrics_port(redis_server) -> None:
    from gpu_worker.api import serve_api_with_metrics

    api_port, metrics_port = free_port(), free_port()
    servers = serve_api_with_metrics("127.0.0.1", api_port, metrics_port, redis_server.client(), DEFAULT_STREAM)
    try:
        _call(f"http://127.0.0.1:{api_port}/api/v1/photos/jobs", "POST", b"{not json")
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()
        assert 'wedsync_api_requests_total{code="400",method="POST",route="/api/v1/photos/jobs"} 1.0' in metrics
        assert _call(f"http://127.0.0.1:{api_port}/metrics")[0] == 404  # not on the API port
    finally:
        for server in servers:
            server.shutdown()
