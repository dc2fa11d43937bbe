"""Route53's health check of every region reaches a handler that reports the region's readiness.

The path each health check asks for (read from the plan) is followed through the region's Gateway, VirtualService,
Service and pod template to a container; that container's own command line (parsed by the worker's parser) is then
started against a real Redis, and the path must answer 200 while Redis is up and 503 once it is gone. The GKE
ingress is an L4 load balancer whose own health check has no path, so Route53's check covers both clouds.
"""

from __future__ import annotations

from foundation.naming import regional_name
from gpu_worker.cli import build_parser
from tests.wiring.cluster import clusters
from tests.wiring.processes import http_get, running
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
        with running(list(args), redis_server.url) as ports:
            url = f"http://127.0.0.1:{ports[port]}{path}"
            assert http_get(url)[0] == 200, f"{path} does not answer while the queue is reachable"
            redis_server.stop()
            assert http_get(url)[0] == 503, f"{path} does not report a lost queue"
            redis_server.start()
