"""Builders for the pieces every workload shares: metadata, locked-down containers, probes, sizing."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from foundation.config import Resources

PART_OF = "wedsync-platform"
SCRAPED = {"wedsync.io/scrape": "true"}  # pods serving /metrics on METRICS_PORT
# No workload calls the Kubernetes API, so pods and service accounts set `automountServiceAccountToken: false`
# (only the `kube-api-access` volume goes). Cloud identity keeps working: on EKS the pod identity webhook adds
# its own projected `aws-iam-token` volume to every pod whose service account carries the IRSA annotation,
# whatever automount says (aws/amazon-eks-pod-identity-webhook pkg/handler/handler.go, MutatePod decides on
# the annotation alone); on GKE, Workload Identity answers through the GKE metadata server, which knows the
# pod from its node, with no token in the pod. Istio's injector likewise mounts its own `istio-token`.


def labels(app: str, component: str, *, scraped: bool = False) -> dict[str, str]:
    """Recommended labels; `app` also selects the pods; scraped pods are marked for the mTLS exception."""
    return {
        "app": app,
        "app.kubernetes.io/name": app,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": PART_OF,
        **(SCRAPED if scraped else {}),
    }


def selector(app: str) -> dict[str, str]:
    return {"app": app}


def meta(
    name: str,
    namespace: str | None = None,
    extra_labels: dict[str, str] | None = None,
    annotations: dict[str, pulumi.Input[str]] | None = None,
) -> k8s.meta.v1.ObjectMetaArgs:
    """Explicit names everywhere: auto-names are invisible in the plan and in manifests."""
    return k8s.meta.v1.ObjectMetaArgs(name=name, namespace=namespace, labels=extra_labels, annotations=annotations)


def requirements(resources: Resources, gpus: int = 0) -> k8s.core.v1.ResourceRequirementsArgs:
    gpu = {"nvidia.com/gpu": str(gpus)} if gpus else {}
    return k8s.core.v1.ResourceRequirementsArgs(
        requests={"cpu": resources.cpu_request, "memory": resources.memory_request, **gpu},
        limits={"cpu": resources.cpu_limit, "memory": resources.memory_limit, **gpu},
    )


def http_probe(path: str, port: str, period: int = 10, failures: int = 3, delay: int = 5) -> k8s.core.v1.ProbeArgs:
    return k8s.core.v1.ProbeArgs(
        http_get=k8s.core.v1.HTTPGetActionArgs(path=path, port=port),
        period_seconds=period,
        failure_threshold=failures,
        initial_delay_seconds=delay,
    )


def locked_down() -> k8s.core.v1.SecurityContextArgs:
    """Non-root, read-only root filesystem, no privilege escalation, every capability dropped."""
    return k8s.core.v1.SecurityContextArgs(
        run_as_non_root=True,
        run_as_user=10001,
        run_as_group=10001,
        read_only_root_filesystem=True,
        allow_privilege_escalation=False,
        privileged=False,
        capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
        seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
    )


def pod_security() -> k8s.core.v1.PodSecurityContextArgs:
    return k8s.core.v1.PodSecurityContextArgs(
        run_as_non_root=True,
        fs_group=10001,
        seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
    )


def scratch_volume(size: str = "20Gi") -> k8s.core.v1.VolumeArgs:
    """The writable scratch space next to a read-only root filesystem."""
    return k8s.core.v1.VolumeArgs(name="scratch", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(size_limit=size))


def scratch_mount() -> k8s.core.v1.VolumeMountArgs:
    return k8s.core.v1.VolumeMountArgs(name="scratch", mount_path="/tmp")


def disruption_budget(
    name: str, namespace: str, app: str, opts: pulumi.ResourceOptions
) -> k8s.policy.v1.PodDisruptionBudget:
    """Keep at least one pod of `app` through voluntary disruptions (node drains, upgrades)."""
    return k8s.policy.v1.PodDisruptionBudget(
        name,
        metadata=meta(app, namespace, labels(app, "disruption-budget")),
        spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
            min_available=1, selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector(app))
        ),
        opts=opts,
    )


def hpa_behavior() -> k8s.autoscaling.v2.HorizontalPodAutoscalerBehaviorArgs:
    """Seed 000: scale up fast (100% or 5 pods per 30 s), down slowly (25% per minute after 5 minutes)."""
    return k8s.autoscaling.v2.HorizontalPodAutoscalerBehaviorArgs(
        scale_up=k8s.autoscaling.v2.HPAScalingRulesArgs(
            stabilization_window_seconds=60,
            select_policy="Max",
            policies=[
                k8s.autoscaling.v2.HPAScalingPolicyArgs(type="Percent", value=100, period_seconds=30),
                k8s.autoscaling.v2.HPAScalingPolicyArgs(type="Pods", value=5, period_seconds=30),
            ],
        ),
        scale_down=k8s.autoscaling.v2.HPAScalingRulesArgs(
            stabilization_window_seconds=300,
            policies=[k8s.autoscaling.v2.HPAScalingPolicyArgs(type="Percent", value=25, period_seconds=60)],
        ),
    )
