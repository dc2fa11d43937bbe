"""The jobs API served for real (uvicorn on a loopback socket) over a real Redis and a store folder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from gpu_worker.api.app import create_app
from gpu_worker.api.observe import ApiMetrics
from gpu_worker.api.settings import ApiSettings, AuthSettings
from gpu_worker.jobs import DEFAULT_STREAM
from gpu_worker.serving import BackgroundServer, bind, server_config
from tests.tokens import AUDIENCE, ISSUER, IdentityProvider


def api_settings(redis_url: str, store: str, idp: IdentityProvider, **changes: Any) -> ApiSettings:
    auth = AuthSettings(jwks_file=idp.jwks_file, issuer=ISSUER, audience=AUDIENCE)
    return ApiSettings(redis_url=redis_url, stream=DEFAULT_STREAM, store=store, auth=auth, **changes)


@contextmanager
def serving(settings: ApiSettings, metrics: ApiMetrics | None = None) -> Iterator[str]:
    """The API on a free loopback port; yields its base URL."""
    sock = bind("127.0.0.1", 0, "--port")
    server = BackgroundServer(server_config(create_app(settings, metrics), timeout_keep_alive=5), sock).start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{base}/healthz", timeout=1)
                break
            except httpx.TransportError:
                import time

                time.sleep(0.02)
        yield base
    finally:
        server.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
