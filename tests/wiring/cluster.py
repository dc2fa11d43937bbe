"""One region's Kubernetes objects as the plan registers them: manifests by kind, Helm releases by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from foundation.config import PlatformConfig
from foundation.crds import HELM_RELEASE
from infra.offline.monitor import Registration
from infra.offline.plan import Plan


@dataclass
class Cluster:
    """Every object the program creates in one region's cluster, and the values of every release."""

    region: str
    kubernetes_version: str = ""
    objects: list[dict[str, Any]] = field(default_factory=list)
    releases: dict[str, dict[str, Any]] = field(default_factory=dict)

    def of_kind(self, kind: str, namespace: str | None = None) -> list[dict[str, Any]]:
        return [
            o
            for o in self.objects
            if o["kind"] == kind and (namespace is None or o["metadata"].get("namespace") == namespace)
        ]

    def named(self, kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
        (found,) = [o for o in self.of_kind(kind, namespace) if o["metadata"]["name"] == name]
        return found

    def values(self, release: str) -> dict[str, Any]:
        """A release's values (an empty mapping when it sets none)."""
        return self.releases[release].get("values") or {}

    def workloads(self, namespace: str | None = None) -> list[dict[str, Any]]:
        """The namespace's (or, without one, every) Deployments and Argo Rollouts (the pod-owning kinds with a
        `spec.template`)."""
        return [*self.of_kind("Deployment", namespace), *self.of_kind("Rollout", namespace)]

    def named_workload(self, namespace: str, name: str) -> dict[str, Any]:
        (found,) = [w for w in self.workloads(namespace) if w["metadata"]["name"] == name]
        return found

    def pods_selected_by(self, namespace: str, selector: dict[str, str]) -> list[dict[str, Any]]:
        """Pod templates of the namespace's Deployments whose labels match `selector` (matchLabels)."""
        return [
            d["spec"]["template"]
            for d in self.workloads(namespace)
            if selector.items() <= d["spec"]["template"]["metadata"].get("labels", {}).items()
        ]


def top_level(plan: Plan) -> Callable[[Registration], str]:
    """The name of a resource's top-level component (a region's id for everything regional)."""
    index = plan.by_urn()

    def owner(resource: Registration) -> str:
        top = resource
        while top.parent in index and index[top.parent].type != "pulumi:pulumi:Stack":
            top = index[top.parent]
        return top.name

    return owner


def clusters(plan: Plan, platform: PlatformConfig) -> dict[str, Cluster]:
    """Each region's cluster, keyed by region id."""
    versions = {r.id: r.kubernetes_version for r in platform.regions}
    owner = top_level(plan)
    found = {region: Cluster(region, version) for region, version in versions.items()}
    for resource in plan.resources:
        if not resource.type.startswith("kubernetes:"):
            continue
        cluster = found[owner(resource)]
        if resource.type == HELM_RELEASE:
            cluster.releases[resource.inputs["name"]] = resource.inputs
        else:
            cluster.objects.append(resource.inputs)
    assert all(c.objects for c in found.values()), "every region has a cluster"
    return found
