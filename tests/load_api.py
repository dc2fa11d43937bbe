"""A short load test of the jobs API, as `api` runs in its Deployment: `python -m tests.load_api`.

Starts a real Redis and the `api` command (uvicorn, `--workers` as given) over a store folder, then 50
concurrent clients (httpx, one connection each, keep-alive) send authenticated requests for a fixed
time: 4 status reads (GET) per submission (POST, which writes the ledger and enqueues). Prints requests/s
and latency percentiles. Everything runs on this machine, on loopback; the client shares its cores.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.redis_server import RedisServer, free_port
from tests.tokens import AUDIENCE, ISSUER, IdentityProvider


async def _client(base: str, token: str, job_id: str, until: float, latencies: list[float], errors: list[int]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as client:
        n = 0
        while time.monotonic() < until:
            started = time.perf_counter()
            if n % 5 == 4:
                response = await client.post("/api/v1/photos/jobs", json={"input": "studio-a/wedding/001.jpg"})
            else:
                response = await client.get(f"/api/v1/photos/jobs/{job_id}")
            latencies.append(time.perf_counter() - started)
            if response.status_code not in (200, 202):
                errors.append(response.status_code)
            n += 1


async def _load(base: str, token: str, job_id: str, clients: int, seconds: float) -> tuple[list[float], list[int]]:
    latencies: list[float] = []
    errors: list[int] = []
    until = time.monotonic() + seconds
    await asyncio.gather(*(_client(base, token, job_id, until, latencies, errors) for _ in range(clients)))
    return latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="wedsync-load-"))
    (folder / "redis").mkdir()
    redis_server, idp = RedisServer(folder / "redis"), IdentityProvider(folder)
    redis_server.start()
    port = free_port()
    command = [sys.executable, "-m", "gpu_worker", "api", "--redis", redis_server.url, "--store", f"file://{folder}"]
    command += ["--jwks-file", str(idp.jwks_file), "--issuer", ISSUER, "--audience", AUDIENCE, "--port", str(port)]
    command += ["--metrics-port", str(free_port()), "--rate-limit", "1000000/minute", "--workers", str(args.workers)]
    api = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    base, token = f"http://127.0.0.1:{port}", idp.token("studio-a")
    try:
        for _ in range(300):
            try:
                created = httpx.post(
                    f"{base}/api/v1/photos/jobs",
                    json={"input": "studio-a/wedding/001.jpg"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                break
            except httpx.TransportError:
                time.sleep(0.05)
        started = time.monotonic()
        latencies, errors = asyncio.run(_load(base, token, created.json()["id"], args.clients, args.seconds))
        elapsed = time.monotonic() - started
    finally:
        api.terminate()
        api.wait(timeout=30)
        redis_server.stop()
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"{len(latencies)} requests from {args.clients} clients in {elapsed:.1f}s with --workers {args.workers}: "
        f"{len(latencies) / elapsed:.0f} requests/s, p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms, "
        f"max {max(latencies) * 1000:.1f} ms, {len(errors)} errors {sorted(set(errors))}"
    )


if __name__ == "__main__":
    main()
