"""What Istio's sidecar injector adds to a pod, and how long the proxy lives once the pod is told to stop.

Modelled on manifests/charts/istio-control/istio-discovery/files/injection-template.yaml and
pkg/kube/inject/webhook.go of the pinned Istio (1.26.x and 1.27+), limited to what Pod Security and termination
depend on: the init container (`istio-init` with NET_ADMIN/NET_RAW as root, or with `pilot.cni.enabled` the
unprivileged `istio-validation`), the proxy (a regular container, or a native sidecar: an init container with
`restartPolicy: Always`), their security contexts, resources and volumes. Values the program does not set take the
chart's defaults (istio-discovery/values.yaml).
"""

from __future__ import annotations

import re
from typing import Any

from tests.wiring.cluster import Cluster

PROXY_UID = 1337
CHART_PROXY_RESOURCES = {  # istio-discovery/values.yaml, global.proxy.resources
    "requests": {"cpu": "100m", "memory": "128Mi"},
    "limits": {"cpu": "2000m", "memory": "1024Mi"},
}
DEFAULT_TERMINATION_DRAIN = "5s"  # ProxyConfig.terminationDrainDuration's default
NATIVE_SIDECAR_ANNOTATION = "sidecar.istio.io/nativeSidecar"
INJECTED_VOLUMES = [
    {"name": "workload-socket", "emptyDir": {}},
    {"name": "credential-socket", "emptyDir": {}},
    {"name": "workload-certs", "emptyDir": {}},
    {"name": "istio-envoy", "emptyDir": {"medium": "Memory"}},
    {"name": "istio-data", "emptyDir": {}},
    {"name": "istio-podinfo", "downwardAPI": {}},
    {"name": "istio-token", "projected": {}},
    {"name": "istiod-ca-cert", "configMap": {"name": "istio-ca-root-cert"}},
]


def _minor(version: str) -> int:
    major, minor = version.split(".")[:2]
    assert major in ("1", "v1"), version
    return int(minor)


def native_sidecars(istiod_values: dict[str, Any], istio_version: str, kubelet_version: str, pod: dict) -> bool:
    """Whether the proxy is injected as a native sidecar (an annotation on the pod overrides the mesh default).

    1.26: on only with ENABLE_NATIVE_SIDECARS=true. 1.27+: "auto" by default, on where the kubelet is 1.33+
    (webhook.go DetectNativeSidecar); "true"/"false" force it.
    """
    annotation = (pod["metadata"].get("annotations") or {}).get(NATIVE_SIDECAR_ANNOTATION)
    if annotation is not None:
        return annotation == "true"
    setting = str(((istiod_values.get("pilot") or {}).get("env") or {}).get("ENABLE_NATIVE_SIDECARS", ""))
    if _minor(istio_version) < 27:
        return setting == "true"
    mode = setting or "auto"
    return mode == "true" or (mode == "auto" and _minor(kubelet_version) >= 33)


def _proxy_values(istiod_values: dict[str, Any]) -> dict[str, Any]:
    return ((istiod_values.get("global") or {}).get("proxy")) or {}


def inject(pod: dict[str, Any], istiod_values: dict[str, Any], istio_version: str, kubelet_version: str) -> dict:
    """The pod spec after injection (a new dict; the template's own containers are unchanged)."""
    proxy_values = _proxy_values(istiod_values)
    privileged = bool(proxy_values.get("privileged", False))
    resources = proxy_values.get("resources") or CHART_PROXY_RESOURCES
    cni = bool(((istiod_values.get("pilot") or {}).get("cni") or {}).get("enabled", False))
    native = native_sidecars(istiod_values, istio_version, kubelet_version, pod)
    unprivileged = {"runAsGroup": PROXY_UID, "runAsNonRoot": True, "runAsUser": PROXY_UID}
    if cni:
        init = {
            "name": "istio-validation",
            "securityContext": {
                "allowPrivilegeEscalation": privileged,
                "privileged": privileged,
                "capabilities": {"drop": ["ALL"]},
                "readOnlyRootFilesystem": True,
                **unprivileged,
            },
        }
    else:
        init = {
            "name": "istio-init",
            "securityContext": {
                "allowPrivilegeEscalation": privileged,
                "privileged": privileged,
                "capabilities": {"add": ["NET_ADMIN", "NET_RAW"], "drop": ["ALL"]},
                "readOnlyRootFilesystem": False,
                "runAsGroup": 0,
                "runAsNonRoot": False,
                "runAsUser": 0,
            },
        }
    init["resources"] = resources
    proxy: dict[str, Any] = {
        "name": "istio-proxy",
        "ports": [{"containerPort": 15090, "protocol": "TCP", "name": "http-envoy-prom"}],
        "resources": resources,
        "securityContext": {
            "allowPrivilegeEscalation": privileged,
            "capabilities": {"drop": ["ALL"]},
            "privileged": privileged,
            "readOnlyRootFilesystem": True,
            **unprivileged,
        },
    }
    spec = dict(pod["spec"])
    spec["initContainers"] = [init, *spec.get("initContainers", [])]
    if native:
        proxy["restartPolicy"] = "Always"
        if not proxy_values.get("lifecycle"):
            proxy["lifecycle"] = {"preStop": {"exec": {"command": ["pilot-agent", "request", "POST", "drain"]}}}
        spec["initContainers"].append(proxy)
    else:
        spec["containers"] = [*spec["containers"], proxy]
    spec["volumes"] = [*spec.get("volumes", []), *INJECTED_VOLUMES]
    return spec


def injected_in(cluster: Cluster, template: dict[str, Any]) -> dict[str, Any]:
    """A pod template's spec as the cluster's istiod (its values and version) injects it."""
    istiod = cluster.releases["istiod"]
    return inject(template, istiod.get("values") or {}, istiod["version"], cluster.kubernetes_version)


def seconds(duration: str) -> float:
    """A Go/protobuf duration such as `5s`, `1m30s` or `900s`."""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(float(n) * units[u] for n, u in parts)


def proxy_lifetime_after_stop(injected: dict[str, Any], mesh_config: dict[str, Any]) -> float:
    """Seconds the proxy keeps carrying the app's outbound traffic after the pod is told to stop.

    A native sidecar is stopped only after every app container has exited (KEP-753), so it lasts as long as the
    app may: the pod's termination grace. Its preStop drains inbound listeners only (pkg/envoy/admin.go,
    `drain_listeners?inboundonly` for sidecars). A classic sidecar receives SIGTERM with the app, drains for
    terminationDrainDuration and exits.
    """
    grace = float(injected.get("terminationGracePeriodSeconds", 30))
    if any(c["name"] == "istio-proxy" and c.get("restartPolicy") == "Always" for c in injected["initContainers"]):
        return grace
    drain = (mesh_config.get("defaultConfig") or {}).get("terminationDrainDuration", DEFAULT_TERMINATION_DRAIN)
    return min(grace, seconds(drain))
