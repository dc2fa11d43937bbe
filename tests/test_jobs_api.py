"""The jobs API: authenticated tenants confined to their own keys, jobs accepted durably and processed."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from gpu_worker.api.app import JOBS_PATH, UPLOADS_PATH
from gpu_worker.cli import PortPurpose, build_parser, served_ports
from gpu_worker.device import select_device
from gpu_worker.jobs import DEFAULT_GROUP, DEFAULT_STREAM, JobStatus, load
from gpu_worker.ledger import Ledger
from gpu_worker.metrics import WorkerMetrics
from gpu_worker.photo import Options
from gpu_worker.process import BatchProcessor
from gpu_worker.queue import Consumer, QueueSettings
from gpu_worker.samples import jpeg_bytes
from gpu_worker.store import FileStore
from tests.api_server import api_settings, bearer, serving
from tests.redis_server import free_port
from tests.tokens import AUDIENCE, ISSUER, IdentityProvider


@pytest.fixture(scope="module")
def idp(tmp_path_factory) -> IdentityProvider:
    return IdentityProvider(tmp_path_factory.mktemp("idp"))


@pytest.fixture
def store(tmp_path: Path) -> Path:
    for tenant in ("studio-a", "studio-b"):
        (tmp_path / f"store/{tenant}/wedding").mkdir(parents=True)
        (tmp_path / f"store/{tenant}/wedding/001.jpg").write_bytes(jpeg_bytes(200, 300))
    return tmp_path / "store"


@pytest.fixture
def api(redis_server, store: Path, idp: IdentityProvider):
    with serving(api_settings(redis_server.url, f"file://{store}", idp)) as base:
        yield base


def _submit(api: str, token: str, body: dict) -> httpx.Response:
    return httpx.post(f"{api}{JOBS_PATH}", json=body, headers=bearer(token), timeout=10)


def test_a_job_is_accepted_into_the_ledger_processed_and_reported_done(api, redis_server, store, idp) -> None:
    token = idp.token("studio-a")
    created = _submit(api, token, {"input": "studio-a/wedding/001.jpg"})
    assert created.status_code == 202, created.text
    job = created.json()
    assert job["status"] == "queued" and job["output"] == f"studio-a/{job['id']}"  # the server chose it
    accepted = Ledger(FileStore(store)).load(job["id"])
    assert accepted is not None and accepted.input == "studio-a/wedding/001.jpg"  # durable before it was queued
    assert redis_server.client().xlen(DEFAULT_STREAM) == 1

    settings = QueueSettings(stream=DEFAULT_STREAM, group=DEFAULT_GROUP, block_seconds=0.1)
    with BatchProcessor(select_device("cpu"), Options(long_edges=(64,))) as processor:
        Consumer(redis_server.client(), FileStore(store), processor, settings, WorkerMetrics()).turn()

    done = httpx.get(f"{api}{JOBS_PATH}/{job['id']}", headers=bearer(token)).json()
    assert done["status"] == "done" and done["attempts"] == 1 and done["error"] is None
    assert done["outputs"] == [f"studio-a/{job['id']}/full.jpg", f"studio-a/{job['id']}/64.jpg"]
    assert all((store / key).is_file() for key in done["outputs"])


@pytest.mark.parametrize("route", [("POST", JOBS_PATH), ("GET", f"{JOBS_PATH}/{'0' * 32}"), ("POST", UPLOADS_PATH)])
def test_requests_without_a_valid_bearer_token_are_401(api, idp, route) -> None:
    method, path = route
    body = {"key": "studio-a/x.jpg"} if path == UPLOADS_PATH else {"input": "studio-a/wedding/001.jpg"}
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, bearer("not-a-jwt")):
        response = httpx.request(method, f"{api}{path}", json=body if method == "POST" else None, headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda idp: idp.token(exp=int(time.time()) - 120), "expired"),
        (lambda idp: idp.token(aud="another-api"), "Audience doesn't match"),
        (lambda idp: idp.token(iss="https://evil.example/"), "Invalid issuer"),
        (lambda idp: idp.unsigned(), "algorithm 'none' is not accepted"),
        (lambda idp: idp.token(key=idp.impostor), "Signature verification failed"),
        (lambda idp: idp.token(kid="rsa-2"), "no key 'rsa-2'"),
        (lambda idp: idp.token(algorithm="HS256", key=b"the public key is no secret" * 2), "'HS256' is not accepted"),
        (lambda idp: idp.token(tenant=None), "tenant"),
        (lambda idp: idp.token(tenant="../studio-b"), "does not name a valid tenant"),
        (lambda idp: idp.token(exp=None), "exp"),
    ],
)
def test_refused_tokens(api, redis_server, idp, make, reason) -> None:
    response = _submit(api, make(idp), {"input": "studio-a/wedding/001.jpg"})
    assert response.status_code == 401 and reason in response.json()["error"]
    assert redis_server.client().exists(DEFAULT_STREAM) == 0


def test_an_ec_token_from_the_jwks_is_accepted(api, idp) -> None:
    assert (
        _submit(api, idp.token("studio-a", algorithm="ES256", kid="ec-1"), {"input": "studio-a/x.jpg"}).status_code
        == 202
    )


def test_tenant_a_can_neither_read_nor_write_anything_of_tenant_b(api, redis_server, store, idp) -> None:
    a, b = idp.token("studio-a"), idp.token("studio-b")
    theirs = _submit(api, b, {"input": "studio-b/wedding/001.jpg"}).json()

    assert httpx.get(f"{api}{JOBS_PATH}/{theirs['id']}", headers=bearer(a)).status_code == 404  # as if none
    assert httpx.get(f"{api}{JOBS_PATH}/{'0' * 32}", headers=bearer(a)).json() == {"error": "no such job"}
    for body in (
        {"input": "studio-b/wedding/001.jpg"},
        {"input": "studio-ab/x.jpg"},
        {"input": "studio-a/../studio-b/x.jpg"},
    ):
        assert _submit(api, a, body).status_code in (403, 422), body
    refused = _submit(api, a, {"input": "studio-a/wedding/001.jpg", "output": "studio-b/wedding"})
    assert refused.status_code == 422 and "`output` is chosen by the server" in refused.json()["error"]
    upload = httpx.post(f"{api}{UPLOADS_PATH}", json={"key": "studio-b/evil.jpg"}, headers=bearer(a))
    assert upload.status_code == 403
    assert redis_server.client().xlen(DEFAULT_STREAM) == 1  # only B's own job
    assert sorted(p.name for p in (store / "studio-b").rglob("*") if p.is_file()) == ["001.jpg"]


def test_health_and_metrics_are_not_reachable_under_the_api_prefix(api, idp) -> None:
    assert httpx.get(f"{api}/healthz").json() == {"status": "ok"}
    for path in ("/api/v1/photos/healthz", "/api/v1/photos/readyz", "/api/healthz", "/api/metrics", "/metrics"):
        assert httpx.get(f"{api}{path}", headers=bearer(idp.token())).status_code == 404, path


def test_job_status_survives_losing_redis(api, redis_server, idp) -> None:
    token = idp.token("studio-a")
    job = _submit(api, token, {"input": "studio-a/wedding/001.jpg"}).json()
    redis_server.stop()
    redis_server.start()  # empty: no persistence
    assert load(redis_server.client(), job["id"]) is None
    again = httpx.get(f"{api}{JOBS_PATH}/{job['id']}", headers=bearer(token))
    assert again.status_code == 200 and again.json()["status"] == JobStatus.QUEUED  # from the ledger


def test_the_published_openapi_document_is_the_served_one(api) -> None:
    served = httpx.get(f"{api}/openapi.json").json()
    published = json.loads((Path(__file__).parents[1] / "docs/jobs-api.openapi.json").read_text())
    assert served == published, "regenerate: python -m gpu_worker openapi --out docs/jobs-api.openapi.json"
    assert set(served["paths"]) == {JOBS_PATH, f"{JOBS_PATH}/{{job_id}}", UPLOADS_PATH}
    assert served["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def _metric(text: str, sample: str) -> float:
    """The value of one sample line of a Prometheus exposition (0 when absent: counters start at 0)."""
    values = [float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(f"{sample} ")]
    return values[0] if values else 0.0


@pytest.mark.parametrize("workers", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_the_api_command_serves_what_served_ports_says(redis_server, store, idp, workers: int) -> None:
    """`api` as its Deployment runs it: the API and health on one port, request counts on the other (summed
    over worker processes with `--workers`)."""
    command = ["api", "--redis", redis_server.url, "--port", str(free_port()), "--metrics-port", str(free_port())]
    command += ["--workers", str(workers)]
    command += [
        "--store",
        f"file://{store}",
        "--jwks-file",
        str(idp.jwks_file),
        "--issuer",
        ISSUER,
        "--audience",
        AUDIENCE,
    ]
    ports = served_ports(build_parser().parse_args(command))
    api = subprocess.Popen([sys.executable, "-m", "gpu_worker", *command])
    base, health = f"http://127.0.0.1:{ports[PortPurpose.API]}", f"http://127.0.0.1:{ports[PortPurpose.HEALTH]}"
    metrics_url = f"http://127.0.0.1:{ports[PortPurpose.METRICS]}/metrics"
    counter = 'wedsync_api_requests_total{code="202",method="POST",route="/api/v1/photos/jobs"}'
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                before = httpx.get(metrics_url, timeout=1).text
                httpx.get(f"{health}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert api.poll() is None and time.monotonic() < deadline, "the metrics port never answered"
                time.sleep(0.1)
        assert httpx.get(f"{health}/healthz").json() == {"status": "ok"}
        assert httpx.get(f"{health}/readyz").json() == {"status": "ready"}
        for _ in range(4):  # over fresh connections, so that several worker processes serve them
            assert _submit(base, idp.token(), {"input": "studio-a/wedding/001.jpg"}).status_code == 202
        assert _metric(httpx.get(metrics_url).text, counter) == _metric(before, counter) + 4
    finally:
        api.terminate()
        assert api.wait(timeout=30) == 0


def test_the_api_command_without_its_identity_settings_names_them_and_exits_2(redis_server) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gpu_worker", "api", "--redis", redis_server.url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    error = result.stderr.strip().splitlines()[-1]  # argparse: the usage line, then the error
    assert error.endswith("the following arguments are required: --store, --issuer, --audience")
