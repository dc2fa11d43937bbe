"""Route53's health check of every region reaches a handler that reports the region's readiness.

The path each health check asks for (read from the plan) is followed through the region's Gateway, VirtualService,
Service and pod template to a container; that container's own command line (parsed by the worker's parser) is then
started against a real Redis, and the path must answer 200 while Redis is up and 503 once it is gone. The GKE
ingress is an L4 load balancer whose own health check has no path, so Route53's check covers both clouds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from foundation.naming import regional_name
from gpu_worker.cli import build_parser
from tests.redis_server import free_port
from tests.wiring.cluster import clusters
from tests.wiring.routing import Backend, backend, route

HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"


def _backends(prod) -> dict[str, Backend]:
    """Each region's health check, followed to the container that answers it."""
    platform, plan = prod
    by_region = clusters(plan, platform)
    names = {regional_name(platform.dns, r.id): r.id for r in platform.regions}
    found = {}
    for check in plan.of_type(HEALTH_CHECK):
        inputs = check.inputs
        assert (inputs["type"], inputs["port"], inputs["enableSni"]) == ("HTTPS", 443, True)
        cluster = by_region[names[inputs["fqdn"]]]
        http_route, path = route(cluster, inputs["fqdn"], inputs["port"], inputs["type"], inputs["resourcePath"])
        found[cluster.region] = backend(cluster, http_route, path)
    assert set(found) == {r.id for r in platform.regions}, "every region has a health check"
    return found


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@contextmanager
def _running(args: list[str], redis_url: str) -> Iterator[dict[int, int]]:
    """The container's command with its environment's Redis URL and every `--*port` moved to a free local port;
    yields container port -> local port once all of them answer."""
    ports: dict[int, int] = {}
    local = []
    for flag, value in zip(["", *args], args, strict=False):
        if flag.endswith("-port") or flag == "--port":
            ports[int(value)] = free_port()
            value = str(ports[int(value)])
        local.append(value.replace("$(REDIS_URL)", redis_url))
    process = subprocess.Popen([sys.executable, "-m", "gpu_worker", *local], env={**os.environ, "REDIS_PASSWORD": ""})
    try:
        deadline = time.monotonic() + 20
        while any(_connects(port) is False for port in ports.values()):
            assert process.poll() is None and time.monotonic() < deadline, "the container's command did not start"
            time.sleep(0.1)
        yield ports
    finally:
        process.terminate()
        process.wait(timeout=10)


def _connects(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_every_health_check_is_routed_to_a_container_port_of_the_jobs_api(prod) -> None:
    for region, found in _backends(prod).items():
        parsed = build_parser().parse_args(found.container["args"])
        assert parsed.command == "api", region
        assert parsed.port == found.port, (
            f"{region}: the Service sends the check to {found.port}, the API serves {parsed.port}"
        )


def test_the_routed_path_answers_with_the_regions_readiness(prod, redis_server) -> None:
    commands = {(tuple(b.container["args"]), b.port, b.path) for b in _backends(prod).values()}
    for args, port, path in commands:  # one per distinct container command (the same image in every region)
        with _running(list(args), redis_server.url) as ports:
            url = f"http://127.0.0.1:{ports[port]}{path}"
            assert _status(url) == 200, f"{path} does not answer while the queue is reachable"
            redis_server.stop()
            assert _status(url) == 503, f"{path} does not report a lost queue"
            redis_server.start()
