"""How a request reaches a container, as Istio and Kubernetes resolve it, read from one cluster's objects.

Gateway server (port, protocol, host) -> VirtualService bound to that gateway and host -> first HTTP route whose
match takes the path (Istio evaluates routes in order) -> destination Service port -> target port -> the container
of the selected pods that declares it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.wiring.cluster import Cluster


@dataclass(frozen=True)
class Backend:
    """Where a request ends: the pod template, the container, the port it listens on and the path it sees."""

    service: str
    pod: dict[str, Any]
    container: dict[str, Any]
    port: int
    path: str


def _host_matches(pattern: str, host: str) -> bool:
    return pattern == host or pattern == "*" or (pattern.startswith("*.") and host.endswith(pattern[1:]))


def _uri_matches(match: dict[str, str], path: str) -> bool:
    if "exact" in match:
        return path == match["exact"]
    if "prefix" in match:
        return path.startswith(match["prefix"])
    return re.fullmatch(match["regex"], path) is not None


def gateway_pod_labels(release: str, values: dict[str, Any]) -> dict[str, str]:
    """Labels of the `gateway` chart's pods (manifests/charts/gateway/templates/_helpers.tpl, selectorLabels:
    `app` is the release name, `istio` the release name without its `istio-` prefix, unless values set them)."""
    labels = values.get("labels") or {}
    name = values.get("name") or release
    return {"app": labels.get("app", name), "istio": labels.get("istio", name.removeprefix("istio-"))}


def _gateway(cluster: Cluster, host: str, port: int, protocol: str) -> str:
    """`namespace/name` of the one Gateway serving host on port with protocol, on the ingress gateway's pods."""
    (gateway,) = [
        g
        for g in cluster.of_kind("Gateway")
        for server in g["spec"]["servers"]
        if server["port"]["number"] == port
        and server["port"]["protocol"] == protocol
        and any(_host_matches(h, host) for h in server["hosts"])
    ]
    ingress = [
        name
        for name in cluster.releases
        if gateway["spec"]["selector"].items() <= gateway_pod_labels(name, cluster.values(name)).items()
        and cluster.releases[name]["chart"] == "gateway"
    ]
    assert ingress, f"Gateway {gateway['metadata']['name']} selects no ingress gateway release's pods"
    return f"{gateway['metadata']['namespace']}/{gateway['metadata']['name']}"


def route(cluster: Cluster, host: str, port: int, protocol: str, path: str) -> tuple[dict[str, Any], str]:
    """The HTTP route a request takes at the ingress gateway, and the path it forwards (after any rewrite)."""
    gateway = _gateway(cluster, host, port, protocol)
    services = [
        v
        for v in cluster.of_kind("VirtualService")
        if gateway in v["spec"].get("gateways", []) and any(_host_matches(h, host) for h in v["spec"]["hosts"])
    ]
    assert services, f"no VirtualService binds {host} to {gateway}"
    for service in services:
        for http in service["spec"]["http"]:
            matches = http.get("match") or [{}]
            if any(_uri_matches(m["uri"], path) if "uri" in m else True for m in matches):
                rewrite = (http.get("rewrite") or {}).get("uri")
                return http, rewrite if rewrite is not None else path
    raise AssertionError(f"{gateway} routes no {path} for {host}")


def _container_port(container: dict[str, Any], target: int | str) -> int | None:
    for declared in container.get("ports", []):
        if target in (declared["containerPort"], declared.get("name")):
            return int(declared["containerPort"])
    return None


def backend(cluster: Cluster, http_route: dict[str, Any], path: str) -> Backend:
    """The one container the route's destination Service sends the request to."""
    (destination,) = [d["destination"] for d in http_route["route"]]
    name, namespace = destination["host"].split(".")[:2]
    service = cluster.named("Service", name, namespace)["spec"]
    (service_port,) = [p for p in service["ports"] if p["port"] == destination["port"]["number"]]
    target = service_port.get("targetPort", service_port["port"])
    pods = cluster.pods_selected_by(namespace, service["selector"])
    assert pods, f"Service {namespace}/{name} selects no pods"
    found = [
        Backend(name, pod, container, port, path)
        for pod in pods
        for container in pod["spec"]["containers"]
        if (port := _container_port(container, target)) is not None
    ]
    assert len(found) == 1, f"{namespace}/{name} port {target} reaches {len(found)} containers"
    return found[0]
