"""Kubernetes workloads: pinned images (by digest for a deploy), requests and limits, probes, locked-down containers, a
default-deny NetworkPolicy in every namespace that runs workloads, a PodDisruptionBudget for every
Deployment that runs more than one replica."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, StackValidationArgs

from foundation.images import is_pinned, is_pinned_by_digest
from policies.build import Report, resource_policy, stack_policy
from policies.resources import get

ROLLOUT = "kubernetes:argoproj.io/v1alpha1:Rollout"  # Argo Rollouts: a Deployment's pod template, canaried
_TEMPLATE_KINDS = {
    "kubernetes:apps/v1:Deployment",
    ROLLOUT,
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
    "kubernetes:batch/v1:Job",
}
LONG_RUNNING = {
    "kubernetes:apps/v1:Deployment",
    ROLLOUT,
    "kubernetes:apps/v1:StatefulSet",
    "kubernetes:apps/v1:DaemonSet",
}
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
# Mandatory by default; `infra.policy_config.pack_config` lowers it to advisory when the run is not a deploy.
IMAGE_DIGEST_POLICY = "k8s-image-digest"
SCALERS = {"kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "kubernetes:keda.sh/v1alpha1:ScaledObject"}


def pod_spec(resource_type: str, props: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The pod spec inside a workload, or None for anything that runs no pods."""
    if resource_type in _TEMPLATE_KINDS:
        return get(props, "spec", "template", "spec")
    if resource_type == "kubernetes:batch/v1:CronJob":
        return get(props, "spec", "jobTemplate", "spec", "template", "spec")
    if resource_type == "kubernetes:core/v1:Pod":
        return get(props, "spec")
    return None


def _containers(args: ResourceValidationArgs) -> list[Mapping[str, Any]]:
    spec = pod_spec(args.resource_type, args.props) or {}
    return [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]


def _images_pinned(args: ResourceValidationArgs, report: Report) -> None:
    for container in _containers(args):
        image = str(container.get("image", ""))
        if not is_pinned(image):
            report(f"container {container.get('name')}: image {image!r} is not pinned by tag or digest")


def _images_by_digest(args: ResourceValidationArgs, report: Report) -> None:
    for container in _containers(args):
        image = str(container.get("image", ""))
        if not is_pinned_by_digest(image):
            report(
                f"container {container.get('name')}: image {image!r} is not pinned by digest "
                "(run `python -m infra pin-images --stack <stack>`)"
            )


def _requests_and_limits(args: ResourceValidationArgs, report: Report) -> None:
    for container in _containers(args):
        for kind in ("requests", "limits"):
            missing = {"cpu", "memory"} - set(get(container, "resources", kind, default={}) or {})
            if missing:
                report(f"container {container.get('name')}: no {kind} for {', '.join(sorted(missing))}")


def _probes(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type not in LONG_RUNNING:
        return
    spec = pod_spec(args.resource_type, args.props) or {}
    for container in spec.get("containers") or []:
        for probe in ("livenessProbe", "readinessProbe"):
            if not container.get(probe):
                report(f"container {container.get('name')}: no {probe}")


def _locked_down(args: ResourceValidationArgs, report: Report) -> None:
    spec = pod_spec(args.resource_type, args.props) or {}
    pod_non_root = get(spec, "securityContext", "runAsNonRoot") is True
    for container in _containers(args):
        context = container.get("securityContext") or {}
        name = container.get("name")
        if not (pod_non_root or context.get("runAsNonRoot") is True):
            report(f"container {name}: may run as root (runAsNonRoot not set)")
        if context.get("readOnlyRootFilesystem") is not True:
            report(f"container {name}: root filesystem is writable")
        if context.get("privileged") is True:
            report(f"container {name}: privileged")
        if context.get("allowPrivilegeEscalation") is not False:
            report(f"container {name}: privilege escalation not disabled")


def _namespace(props: Mapping[str, Any]) -> str:
    return str(get(props, "metadata", "namespace", default="default"))


def _default_deny_everywhere(args: StackValidationArgs, report: Report) -> None:
    denied = {
        _namespace(r.props)
        for r in args.resources
        if r.resource_type == NETWORK_POLICY
        and get(r.props, "spec", "podSelector", default=None) in ({}, {"matchLabels": {}})
        and {"Ingress", "Egress"} <= set(get(r.props, "spec", "policyTypes", default=[]) or [])
        and not get(r.props, "spec", "ingress")
        and not get(r.props, "spec", "egress")
    }
    for resource in args.resources:
        if pod_spec(resource.resource_type, resource.props) is not None and _namespace(resource.props) not in denied:
            report(
                f"namespace {_namespace(resource.props)} runs workloads without a default-deny NetworkPolicy",
                resource.urn,
            )


def _scaled_targets(args: StackValidationArgs) -> set[tuple[str, str]]:
    return {
        (_namespace(r.props), str(get(r.props, "spec", "scaleTargetRef", "name")))
        for r in args.resources
        if r.resource_type in SCALERS
    }


def _disruption_budgets(args: StackValidationArgs, report: Report) -> None:
    scaled = _scaled_targets(args)
    budgets = [r for r in args.resources if r.resource_type == PDB]
    for deployment in (r for r in args.resources if r.resource_type in {DEPLOYMENT, ROLLOUT}):
        key = (_namespace(deployment.props), str(get(deployment.props, "metadata", "name")))
        replicas = get(deployment.props, "spec", "replicas")
        if not (key in scaled or (replicas is not None and int(replicas) > 1)):
            continue
        labels = get(deployment.props, "spec", "template", "metadata", "labels", default={}) or {}
        covered = any(
            _namespace(b.props) == key[0]
            and (selector := get(b.props, "spec", "selector", "matchLabels", default={}) or {})
            and all(labels.get(k) == v for k, v in selector.items())
            for b in budgets
        )
        if not covered:
            report(f"deployment {key[0]}/{key[1]} runs several replicas without a PodDisruptionBudget", deployment.urn)


POLICIES = [
    resource_policy(
        "k8s-image-pinned",
        "Container images are pinned by tag or digest, never latest.",
        _images_pinned,
        "Pin the image in config (repo/image:1.2.3 or @sha256:...).",
    ),
    resource_policy(
        IMAGE_DIGEST_POLICY,
        "Container images are pinned by digest: mandatory for a deploy, advisory in a preview.",
        _images_by_digest,
        "Record the digests in the stack file: python -m infra pin-images --stack <stack> --require.",
    ),
    resource_policy(
        "k8s-requests-and-limits",
        "Containers declare CPU and memory requests and limits.",
        _requests_and_limits,
        "Set resources.requests and resources.limits.",
    ),
    resource_policy(
        "k8s-probes",
        "Long-running containers have liveness and readiness probes.",
        _probes,
        "Add liveness_probe and readiness_probe.",
    ),
    resource_policy(
        "k8s-locked-down",
        "Containers run as non-root with a read-only root filesystem, unprivileged.",
        _locked_down,
        "Set runAsNonRoot, readOnlyRootFilesystem, allowPrivilegeEscalation=false.",
    ),
    stack_policy(
        "k8s-default-deny",
        "Every namespace running workloads has a default-deny NetworkPolicy.",
        _default_deny_everywhere,
        "Add a NetworkPolicy with an empty podSelector and both policy types.",
    ),
    stack_policy(
        "k8s-disruption-budget",
        "Every multi-replica or autoscaled Deployment has a PodDisruptionBudget.",
        _disruption_budgets,
        "Add a PodDisruptionBudget selecting the Deployment's pods.",
    ),
]
