"""Whether a connection to a pod's port gets through: Kubernetes NetworkPolicies, then (for ports the sidecar
captures) Istio's PeerAuthentication and AuthorizationPolicy, as their documented semantics decide.

- NetworkPolicy: once any policy selects a pod for Ingress, a connection needs some rule of a selecting policy
  whose peers and ports both match (a named port resolves against the pod's container ports).
- PeerAuthentication: a workload-selecting policy overrides the namespace-wide one; its `portLevelMtls` is keyed
  by the container port. A client without a sidecar speaks plaintext, which only PERMISSIVE or DISABLE accept.
- AuthorizationPolicy: DENY policies are evaluated first and refuse a request any of their rules matches; then,
  with any ALLOW policy on the workload, a request needs a matching rule. A plaintext request has no peer identity,
  so an ALLOW rule whose `from` names principals or namespaces cannot match it; the clients modelled here carry no
  bearer token, so `notRequestPrincipals: ["*"]` matches them and `requestPrincipals` never does.
- Istio never captures 15020, 15021 or 15090 (cni/pkg/plugin/sidecar_redirect.go), so mTLS and authorization
  do not apply to them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.wiring.cluster import Cluster

UNCAPTURED_PORTS = {15020, 15021, 15090}
IDENTITY_FIELDS = {"principals", "notPrincipals", "namespaces", "notNamespaces", "requestPrincipals"}


@dataclass(frozen=True)
class Client:
    """Who connects: the namespace's labels, and whether it has a sidecar (mTLS identity)."""

    namespace_labels: dict[str, str]
    meshed: bool


def _selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    return (selector or {}).get("matchLabels", {}).items() <= labels.items()


def _port_matches(rule_port: int | str, port: int, pod: dict[str, Any]) -> bool:
    if rule_port == port:
        return True
    return any(
        p.get("name") == rule_port and p["containerPort"] == port
        for c in pod["spec"]["containers"]
        for p in c.get("ports", [])
    )


def network_admits(cluster: Cluster, namespace: str, pod: dict[str, Any], port: int, client: Client) -> bool:
    labels = pod["metadata"].get("labels", {})
    policies = [
        p["spec"]
        for p in cluster.of_kind("NetworkPolicy", namespace)
        if "Ingress" in p["spec"].get("policyTypes", ["Ingress"]) and _selects(p["spec"]["podSelector"], labels)
    ]
    if not policies:
        return True
    for policy in policies:
        for rule in policy.get("ingress", []):
            peers = rule.get("from") or [{}]
            peer_ok = (
                any(
                    "namespaceSelector" in peer
                    and "podSelector" not in peer
                    and _selects(peer["namespaceSelector"], client.namespace_labels)
                    for peer in peers
                )
                or rule.get("from") is None
            )
            ports = rule.get("ports")
            if peer_ok and (ports is None or any(_port_matches(p["port"], port, pod) for p in ports)):
                return True
    return False


def mtls_mode(cluster: Cluster, namespace: str, pod: dict[str, Any], port: int) -> str:
    labels = pod["metadata"].get("labels", {})
    policies = cluster.of_kind("PeerAuthentication", namespace)
    workload = [p["spec"] for p in policies if p["spec"].get("selector") and _selects(p["spec"]["selector"], labels)]
    wide = [p["spec"] for p in policies if not p["spec"].get("selector")]
    for spec in workload:
        level = (spec.get("portLevelMtls") or {}).get(str(port))
        if level:
            return str(level["mode"])
    for spec in workload + wide:
        if spec.get("mtls"):
            return str(spec["mtls"]["mode"])
    return "PERMISSIVE"  # Istio's default


def _operation_matches(rule: dict[str, Any], port: int, path: str) -> bool:
    operations = [t.get("operation", {}) for t in rule.get("to", [])] or [{}]
    return any(
        str(port) in op.get("ports", [str(port)])
        and any(path.startswith(p.rstrip("*")) for p in op.get("paths", [path]))
        for op in operations
    )


def _deny_rule_matches(rule: dict[str, Any], port: int, path: str) -> bool:
    """A DENY rule against a request without a bearer token (the only kind these tests model)."""
    sources = [entry.get("source", {}) for entry in rule.get("from", [])] or [{}]
    tokenless = any("requestPrincipals" not in source for source in sources)
    return tokenless and _operation_matches(rule, port, path)


def _rule_admits(rule: dict[str, Any], port: int, path: str, client: Client) -> bool:
    for entry in rule.get("from", []):
        source = entry.get("source", {})
        if not client.meshed and IDENTITY_FIELDS & set(source):
            return False
        if (
            "namespaces" in source
            and client.namespace_labels.get("kubernetes.io/metadata.name") not in source["namespaces"]
        ):
            return False
    return _operation_matches(rule, port, path)


def authorized(cluster: Cluster, namespace: str, pod: dict[str, Any], port: int, path: str, client: Client) -> bool:
    labels = pod["metadata"].get("labels", {})
    applying = [
        p["spec"]
        for p in cluster.of_kind("AuthorizationPolicy", namespace)
        if _selects(p["spec"].get("selector"), labels)
    ]
    actions = {p.get("action", "ALLOW") for p in applying}
    assert actions <= {"ALLOW", "DENY"}, f"only ALLOW and DENY policies are modelled (got {actions})"
    denying = [p for p in applying if p.get("action") == "DENY"]
    if any(_deny_rule_matches(rule, port, path) for p in denying for rule in p.get("rules", [])):
        return False
    allowing = [p for p in applying if p.get("action", "ALLOW") == "ALLOW"]
    if not allowing:
        return True
    return any(_rule_admits(rule, port, path, client) for p in allowing for rule in p.get("rules", []))


def reachable(cluster: Cluster, namespace: str, pod: dict[str, Any], port: int, path: str, client: Client) -> list[str]:
    """Why a request from `client` to `pod:port/path` would fail (empty when it gets through)."""
    problems = []
    if not network_admits(cluster, namespace, pod, port, client):
        problems.append("no NetworkPolicy rule admits it")
    if port in UNCAPTURED_PORTS:
        return problems
    mode = mtls_mode(cluster, namespace, pod, port)
    if not client.meshed and mode == "STRICT":
        problems.append("STRICT mTLS refuses plaintext")
    if not authorized(cluster, namespace, pod, port, path, client):
        problems.append("no AuthorizationPolicy rule allows it")
    return problems
