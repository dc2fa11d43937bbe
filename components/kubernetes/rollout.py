"""A canary rollout under Argo Rollouts: one call turns a pod template into a Rollout that walks the configured
steps, shifting the gateway route's weights between the stable Service (`app`) and `<app>-canary`, while an
AnalysisTemplate measures the canary and aborts (every request back to stable) when a metric fails.

Read in argoproj/argo-rollouts v1.9 (manifests/crds/rollout-crd.yaml, docs/features/traffic-management/istio.md):
`strategy.canary.{canaryService, stableService, steps[].setWeight, steps[].pause.duration,
trafficRouting.istio.virtualService.{name, routes}, analysis.templates[].templateName}`; the controller rewrites
the route's two destination weights and adds `rollouts-pod-template-hash` to both Services' selectors.
The Rollout owns its pods (no workloadRef): no Deployment exists beside it for a second controller to manage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.canary_analysis import AnalysisMetric
from components.kubernetes.objects import labels, meta, selector
from foundation.config import CanaryStep
from foundation.naming import PROMETHEUS_URL, canary_service

ROLLOUTS_API = "argoproj.io/v1alpha1"
REVISIONS_KEPT = 3


@dataclass(frozen=True)
class Canary:
    """How one app rolls out: the steps, what its analysis measures, and the gateway route whose weights the
    controller shifts (a route of `virtual_service` named `route`, with the stable and canary destinations)."""

    steps: tuple[CanaryStep, ...]
    metrics: tuple[AnalysisMetric, ...]
    virtual_service: str
    route: str
    template_hash_args: tuple[str, ...] = ()  # analysis args given the canary's `rollouts-pod-template-hash`


def canary_steps(steps: Sequence[CanaryStep]) -> list[dict[str, Any]]:
    """`setWeight` then `pause` for each step; after the last pause the controller promotes to 100 %."""
    return [
        item
        for step in steps
        for item in ({"setWeight": step.weight}, {"pause": {"duration": f"{step.pause_minutes}m"}})
    ]


def create_rollout(
    name: str,
    namespace: str,
    app: str,
    template: k8s.core.v1.PodTemplateSpecArgs,
    ports: list[k8s.core.v1.ServicePortArgs],
    canary: Canary,
    opts: pulumi.ResourceOptions,
) -> None:
    """The canary Service (`ports`, like the stable Service's), the AnalysisTemplate and the Rollout of `app`.
    No `replicas`: an autoscaler targeting `kind: Rollout` owns the count."""
    canary_name = canary_service(app)
    k8s.core.v1.Service(  # labelled as its own app: the stable Service's ServiceMonitor must not scrape pods twice
        f"{name}-{canary_name}-service",
        metadata=meta(canary_name, namespace, labels(canary_name, "canary")),
        spec=k8s.core.v1.ServiceSpecArgs(selector=selector(app), ports=ports),
        opts=opts,
    )
    analysis = f"{app}-canary-analysis"
    k8s.apiextensions.CustomResource(
        f"{name}-{app}-analysis",
        api_version=ROLLOUTS_API,
        kind="AnalysisTemplate",
        metadata=meta(analysis, namespace, labels(app, "canary-analysis")),
        spec={
            "args": [{"name": arg} for arg in canary.template_hash_args],
            "metrics": [metric.as_spec(PROMETHEUS_URL) for metric in canary.metrics],
        },
        opts=opts,
    )
    k8s.apiextensions.CustomResource(
        f"{name}-{app}",
        api_version=ROLLOUTS_API,
        kind="Rollout",
        metadata=meta(app, namespace, labels(app, "api")),
        spec={
            "selector": {"matchLabels": selector(app)},
            "revisionHistoryLimit": REVISIONS_KEPT,
            "template": template,
            "strategy": {
                "canary": {
                    "stableService": app,
                    "canaryService": canary_name,
                    "trafficRouting": {
                        "istio": {"virtualService": {"name": canary.virtual_service, "routes": [canary.route]}}
                    },
                    "steps": canary_steps(canary.steps),
                    "analysis": {  # background, from the first step
                        "templates": [{"templateName": analysis}],
                        "args": [  # argo-rollouts v1.9 docs/features/analysis.md, "Analysis Template Arguments"
                            {"name": arg, "valueFrom": {"podTemplateHashValue": "Latest"}}
                            for arg in canary.template_hash_args
                        ],
                    },
                }
            },
        },
        opts=opts,
    )


def weighted_destinations(stable_host: str, canary_host: str, port: int) -> list[dict[str, Any]]:
    """A canaried route's destinations as Pulumi creates them: everything to stable until a rollout starts."""
    return [
        {"destination": {"host": host, "port": {"number": port}}, "weight": weight}
        for host, weight in ((stable_host, 100), (canary_host, 0))
    ]


def controller_owned_weights(route_index: int) -> list[str]:
    """`ignore_changes` paths of a canaried route's weights, which the rollout controller rewrites: Pulumi sets
    them on create only (pulumi.com/docs/iac/concepts/resources/options/ignorechanges, property paths with
    array indices; run `pulumi up --refresh` so the state holds the live weights). Were they overwritten anyway,
    the controller restores them at once (argo-rollouts docs/features/traffic-management/istio.md, GitOps)."""
    return [f"spec.http[{route_index}].route[{i}].weight" for i in range(2)]


def create_mesh_route(name: str, namespace: str, app: str, port: int, opts: pulumi.ResourceOptions) -> None:
    """For a service called inside the mesh (no gateway route): a VirtualService named `app` on its own host,
    with one route named `app` to the stable and canary Services whose weights are left to the controller
    (give the app's `Canary` `virtual_service=app, route=app`)."""
    stable, canary = (f"{host}.{namespace}.svc.cluster.local" for host in (app, canary_service(app)))
    k8s.apiextensions.CustomResource(
        f"{name}-{app}-routes",
        api_version="networking.istio.io/v1",
        kind="VirtualService",
        metadata=meta(app, namespace, labels(app, "routes")),
        spec={
            "hosts": [stable],
            "gateways": ["mesh"],
            "http": [{"name": app, "route": weighted_destinations(stable, canary, port)}],
        },
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(ignore_changes=controller_owned_weights(0))),
    )
