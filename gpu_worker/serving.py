"""Listening sockets and uvicorn servers, shared by the jobs API and the worker's health endpoints.

Sockets are bound here, before uvicorn starts, so that a port already in use is one clear line naming
the port and the flag that chose it (PortInUse; the CLI exits 2), not a traceback from inside a server.
"""

from __future__ import annotations

import errno
import socket
import threading
from typing import Any

import uvicorn


class PortInUse(Exception):
    """The port a flag names is taken (another process, e.g. a second worker on the host, listens on it)."""


def bind(host: str, port: int, flag: str, backlog: int = 2048) -> socket.socket:
    """A listening TCP socket on `host:port`; PortInUse names `flag` when the port is taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(f"port {port} ({flag}) is already in use; choose another with {flag}") from None
        raise
    sock.listen(backlog)
    sock.set_inheritable(True)  # `--workers N` hands it to each worker process
    return sock


def server_config(app: Any, **options: Any) -> uvicorn.Config:
    """uvicorn's settings for our servers: no access log (metrics count requests), no Server header."""
    return uvicorn.Config(app, access_log=False, server_header=False, log_config=None, lifespan="off", **options)


class BackgroundServer:
    """A uvicorn server on a bound socket, serving from a daemon thread until `stop()`."""

    def __init__(self, config: uvicorn.Config, sock: socket.socket):
        self.server = uvicorn.Server(config)
        self.socket = sock
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)

    @property
    def port(self) -> int:
        return int(self.socket.getsockname()[1])

    def start(self) -> BackgroundServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)
        self.socket.close()
