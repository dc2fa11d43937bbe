"""A tiny JSON-over-HTTP server on the standard library, shared by the health endpoints and the jobs API."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Response = tuple[int, dict[str, str], bytes]
Route = Callable[["Request"], Response]
MAX_BODY_BYTES = 16 * 1024


class Request:
    """What a route sees: method, path, headers and the (size-limited) body."""

    def __init__(self, method: str, path: str, headers: Any, body: bytes):
        self.method, self.path, self.headers, self.body = method, path, headers, body


def json_response(status: int, payload: Any) -> Response:
    return status, {"Content-Type": "application/json"}, json.dumps(payload).encode()


def error(status: int, message: str) -> Response:
    return json_response(status, {"error": message})


def serve(host: str, port: int, router: Callable[[Request], Response]) -> ThreadingHTTPServer:
    """Start a threaded server in the background; `router` maps every request to a response."""

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY_BYTES:
                status, headers, body = error(413, f"request body over {MAX_BODY_BYTES} bytes")
            else:
                payload = self.rfile.read(length) if length else b""
                status, headers, body = router(Request(self.command, self.path.split("?")[0], self.headers, payload))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = _handle

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name=f"http-{port}", daemon=True).start()
    return server
