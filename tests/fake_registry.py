"""A small OCI registry on the loopback address: manifests by tag and digest behind a Bearer token challenge,
the token given only for the right Basic credentials (as ECR, Artifact Registry and Docker Hub do)."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USERNAME, PASSWORD, TOKEN = "AWS", "ecr-password", "registry-token"


class _Handler(BaseHTTPRequestHandler):
    server: _Registry

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _token(self) -> None:
        expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            self.send_response(401)
            self.end_headers()
            return
        body = json.dumps({"token": TOKEN}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.startswith("/token?"):
            self._token()
        else:
            self.send_response(404)
            self.end_headers()

    def do_HEAD(self) -> None:
        name, _, reference = self.path.removeprefix("/v2/").partition("/manifests/")
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.send_response(401)
            realm = f"http://127.0.0.1:{self.server.server_port}/token"
            self.send_header(
                "WWW-Authenticate", f'Bearer realm="{realm}",service="fake",scope="repository:{name}:pull"'
            )
            self.end_headers()
            return
        digest = self.server.manifests.get((name, reference))
        if digest is None and reference in self.server.manifests.values():
            digest = reference
        self.send_response(200 if digest else 404)
        if digest:
            self.send_header("Docker-Content-Digest", digest)
        self.end_headers()


class _Registry(ThreadingHTTPServer):
    manifests: dict[tuple[str, str], str]


@contextmanager
def fake_registry(manifests: dict[tuple[str, str], str]) -> Iterator[str]:
    """Serve `{(repository, tag): digest}`; yields the registry's host:port."""
    server = _Registry(("127.0.0.1", 0), _Handler)
    server.manifests = manifests
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def docker_config(registry: str) -> dict:
    """A Docker client config holding the fake registry's credentials, as `docker login` writes it."""
    auth = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    return {"auths": {registry: {"auth": auth}}}
