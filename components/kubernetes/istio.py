"""How the mesh is installed so pods of a Pod Security `restricted` namespace are admitted and drain cleanly.

- Sidecar mode with the Istio CNI node agent (chart `cni`, `pilot.cni.enabled`): the injector then adds the
  unprivileged `istio-validation` init container instead of `istio-init`, which runs as root with NET_ADMIN and
  NET_RAW and which `restricted` rejects (istio-discovery/files/injection-template.yaml). Ambient mode would also
  avoid it, but the DestinationRules' connection-pool and outlier settings would then need a waypoint per service.
- On GKE the chart's `gke` platform profile, the CNI binary directory GKE uses, and the chart's ResourceQuota for
  `system-node-critical` pods in istio-system, without which GKE refuses the node agent (Istio's platform
  prerequisites; istio-cni/templates/resourcequota.yaml, daemonset.yaml).
- Native sidecars, set explicitly (1.26 defaults to off, 1.27+ to "auto", on only where every kubelet is 1.33+):
  the proxy becomes an init container with `restartPolicy: Always`, which the kubelet stops only after the app
  containers have exited, and its preStop drain closes inbound listeners only (pkg/envoy/admin.go:
  `drain_listeners?inboundonly`), so a worker keeps reaching Redis and object storage for its whole
  termination grace.
- The proxy's resources are set here, so the namespace quota counts what every injected pod really requests.
"""

from __future__ import annotations

from typing import Any

from foundation.config import Cloud, Resources

PROXY_RESOURCES = Resources(cpu_request="100m", memory_request="128Mi", cpu_limit="2", memory_limit="1Gi")
GKE_CNI_BIN_DIR = "/home/kubernetes/bin"  # where GKE nodes keep CNI plugins (istio-cni daemonset.yaml)


def resource_values(resources: Resources) -> dict[str, dict[str, str]]:
    """Requests and limits as a chart value."""
    return {
        "requests": {"cpu": resources.cpu_request, "memory": resources.memory_request},
        "limits": {"cpu": resources.cpu_limit, "memory": resources.memory_limit},
    }


def pilot_sidecar_values() -> dict[str, Any]:
    """istiod's `pilot` values for injection: CNI traffic capture, native sidecars."""
    return {"cni": {"enabled": True, "provider": "default"}, "env": {"ENABLE_NATIVE_SIDECARS": "true"}}


def global_proxy_values() -> dict[str, Any]:
    """istiod's `global` values: what every injected proxy requests."""
    return {"proxy": {"resources": resource_values(PROXY_RESOURCES)}}


def cni_values(cloud: Cloud) -> dict[str, Any]:
    """The CNI node agent's values (sidecar mode: no ambient)."""
    values: dict[str, Any] = {"ambient": {"enabled": False}}
    if cloud is Cloud.GCP:
        values |= {"global": {"platform": "gke"}, "cniBinDir": GKE_CNI_BIN_DIR, "resourceQuotas": {"enabled": True}}
    return values
