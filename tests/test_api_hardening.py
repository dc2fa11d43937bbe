"""The jobs API under abuse and outages: body limits for every transfer encoding, malformed documents,
Redis down, rate limits shared by replicas, and upload forms that cap the size."""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from gpu_worker.api.app import JOBS_PATH, UPLOADS_PATH
from gpu_worker.cloud_stores import GcsStore, S3Store
from gpu_worker.jobs import DEFAULT_STREAM
from tests.api_server import api_settings, bearer, serving
from tests.tokens import IdentityProvider

LIMIT = 16 * 1024


@pytest.fixture(scope="module")
def idp(tmp_path_factory) -> IdentityProvider:
    return IdentityProvider(tmp_path_factory.mktemp("idp"))


@pytest.fixture
def api(redis_server, tmp_path: Path, idp):
    with serving(api_settings(redis_server.url, f"file://{tmp_path}", idp, body_timeout_seconds=1)) as base:
        yield base


def _raw(base: str, request: bytes, then: bytes = b"", pause: float = 0.0) -> tuple[int, float]:
    """Send bytes as they are (no client fixing them up); the status code and the seconds to it."""
    host, port = base.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        if pause:
            time.sleep(pause)
        with contextlib.suppress(OSError):  # the server may have answered and closed already
            sock.sendall(then)
        reply = sock.recv(65536)
    return int(reply.split(b" ", 2)[1]), time.monotonic() - started


def _post(path: str, token: str, headers: str) -> bytes:
    return f"POST {path} HTTP/1.1\r\nHost: api\r\nAuthorization: Bearer {token}\r\n{headers}\r\n".encode()


def test_body_limits_hold_for_every_transfer_encoding(api, redis_server, idp) -> None:
    token = idp.token()
    declared_too_long = _post(JOBS_PATH, token, f"Content-Type: application/json\r\nContent-Length: {LIMIT + 1}\r\n")
    assert _raw(api, declared_too_long)[0] == 413  # refused before the body is read
    negative = _post(JOBS_PATH, token, "Content-Type: application/json\r\nContent-Length: -1\r\n")
    assert _raw(api, negative, b'{"input": "studio-a/x.jpg"}')[0] == 400  # the HTTP parser refuses it
    chunked = _post(JOBS_PATH, token, "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n")
    chunks = b"".join(b"%x\r\n%s\r\n" % (4096, b" " * 4096) for _ in range(5)) + b"0\r\n\r\n"
    assert _raw(api, chunked, chunks)[0] == 413  # counted as it arrives
    slow = _post(JOBS_PATH, token, "Content-Type: application/json\r\nContent-Length: 40\r\n")
    status, seconds = _raw(api, slow, b'{"input": ', pause=0.2)
    assert status == 408 and seconds < 5  # the rest never comes
    assert redis_server.client().exists(DEFAULT_STREAM) == 0


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b'{"input": "studio-a/\xff\xfe.jpg"}', 400, "error parsing the body"),  # not UTF-8
        (b"[" * 8000 + b"]" * 8000, 400, ""),  # nested deeper than any parser should follow
        (b'{"input": "studio-a/x.jpg", "priority": 9}', 422, "priority"),
        (b'{"input": "/etc/passwd"}', 422, "input"),
        (b"{}", 422, "input: Field required"),
    ],
)
def test_malformed_documents_get_a_fast_4xx_and_queue_nothing(api, redis_server, idp, body, status, message) -> None:
    started = time.monotonic()
    response = httpx.post(
        f"{api}{JOBS_PATH}", content=body, headers={**bearer(idp.token()), "Content-Type": "application/json"}
    )
    assert response.status_code == status and message in response.json()["error"]
    assert time.monotonic() - started < 2
    assert redis_server.client().exists(DEFAULT_STREAM) == 0


def test_redis_down_is_503_with_retry_after_and_never_a_hang(api, redis_server, idp) -> None:
    token = idp.token()
    redis_server.stop()
    for method, path, body in (
        ("POST", JOBS_PATH, {"input": "studio-a/x.jpg"}),
        ("GET", f"{JOBS_PATH}/{'0' * 32}", None),
    ):
        started = time.monotonic()
        response = httpx.request(method, f"{api}{path}", json=body, headers=bearer(token), timeout=30)
        assert response.status_code == 503 and response.headers["Retry-After"] == "5"
        assert time.monotonic() - started < 5
    assert httpx.get(f"{api}/readyz").status_code == 503
    assert httpx.get(f"{api}/healthz").status_code == 200  # an outage must not restart every replica


def test_the_rate_limit_is_per_tenant_and_shared_by_replicas(redis_server, tmp_path: Path, idp) -> None:
    settings = api_settings(redis_server.url, f"file://{tmp_path}", idp, rate_limit="5/minute")
    a, b = idp.token("studio-a"), idp.token("studio-b")
    with serving(settings) as first, serving(settings) as second:
        codes = [
            httpx.get(f"{replica}{JOBS_PATH}/{'0' * 32}", headers=bearer(a)).status_code
            for replica in [first, second] * 3
        ]
        assert codes == [404] * 5 + [429]  # 5 allowed, across both replicas
        refused = httpx.get(f"{second}{JOBS_PATH}/{'0' * 32}", headers=bearer(a))
        assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
        assert httpx.get(f"{first}{JOBS_PATH}/{'0' * 32}", headers=bearer(b)).status_code == 404  # B unaffected


def _policy(form: dict) -> dict:
    return json.loads(base64.b64decode(form["fields"]["policy"]))


def test_s3_upload_forms_are_for_the_tenants_key_and_cap_the_size(redis_server, s3_server, monkeypatch, idp) -> None:
    bucket = s3_server.bucket()
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3_server.endpoint)
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        monkeypatch.setenv(name, value)
    settings = api_settings(redis_server.url, f"s3://{bucket}/photos", idp, max_upload_bytes=1000)
    with serving(settings) as api:
        created = httpx.post(
            f"{api}{UPLOADS_PATH}", json={"key": "studio-a/wedding/002.jpg"}, headers=bearer(idp.token())
        )
        assert created.status_code == 201, created.text
        form = created.json()
        assert ["content-length-range", 1, 1000] in _policy(form)["conditions"]
        assert {"key": "photos/studio-a/wedding/002.jpg"} in _policy(form)["conditions"]
        uploaded = httpx.post(
            form["url"], data=form["fields"], files={"file": ("002.jpg", b"\xff\xd8\xff" + b"0" * 500)}
        )
        assert uploaded.status_code == 204
        assert (
            S3Store(bucket, "photos", client=s3_server.client()).get("studio-a/wedding/002.jpg")[:3] == b"\xff\xd8\xff"
        )
        for key in ("studio-a/notes.txt", "studio-a/../studio-b/x.jpg"):
            assert httpx.post(f"{api}{UPLOADS_PATH}", json={"key": key}, headers=bearer(idp.token())).status_code == 422


def test_gcs_upload_forms_are_signed_for_the_key_with_a_size_cap(idp) -> None:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    from google.cloud import storage
    from google.oauth2 import service_account

    pem = idp.rsa.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    info = {
        "type": "service_account",
        "client_email": "jobs-api@p.iam.gserviceaccount.com",
        "private_key": pem.decode(),
    }
    credentials = service_account.Credentials.from_service_account_info(
        {**info, "token_uri": "https://oauth2.googleapis.com/token", "project_id": "p"}
    )
    store = GcsStore("photos-eu", "", client=storage.Client(project="p", credentials=credentials))
    form = store.upload_form("studio-a/wedding/003.heic", 5000, timedelta(minutes=15))
    policy = json.loads(base64.b64decode(form.fields["policy"]))
    assert ["content-length-range", 1, 5000] in policy["conditions"]
    assert {"key": "studio-a/wedding/003.heic"} in policy["conditions"] and {"bucket": "photos-eu"} in policy[
        "conditions"
    ]
    signature = bytes.fromhex(form.fields["x-goog-signature"])
    idp.rsa.public_key().verify(signature, form.fields["policy"].encode(), padding.PKCS1v15(), hashes.SHA256())
