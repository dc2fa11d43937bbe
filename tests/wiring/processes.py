"""Running a container's own command line locally: the worker image's entry point, against a real Redis."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from tests.redis_server import free_port


def http_get(url: str) -> tuple[int, bytes]:
    """Status and body of a GET (error statuses included)."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def running(args: list[str], redis_url: str) -> Iterator[dict[int, int]]:
    """`python -m gpu_worker ARGS` with the environment's Redis URL, every `--*port` moved to a free local port
    and the cloud `--store` replaced by a local folder (no cloud credentials here); yields container port ->
    local port once all of them accept connections."""
    ports: dict[int, int] = {}
    local = []
    store = tempfile.mkdtemp(prefix="store-")
    for flag, value in zip(["", *args], args, strict=False):
        if flag == "--port" or flag.endswith("-port"):
            ports[int(value)] = free_port()
            value = str(ports[int(value)])
        if flag == "--store":
            value = f"file://{store}"
        local.append(value.replace("$(REDIS_URL)", redis_url))
    process = subprocess.Popen([sys.executable, "-m", "gpu_worker", *local], env={**os.environ, "REDIS_PASSWORD": ""})
    try:
        deadline = time.monotonic() + 20
        while not all(_listening(port) for port in ports.values()):
            assert process.poll() is None, f"the container's command exited: {args}"
            assert time.monotonic() < deadline, f"the container's command does not listen on {sorted(ports)}"
            time.sleep(0.1)
        yield ports
    finally:
        process.terminate()
        process.wait(timeout=10)
