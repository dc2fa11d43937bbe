"""The GPU taint, defined once; every cloud's and Kubernetes' spelling is derived from it."""

from __future__ import annotations

import pulumi_aws as aws
import pulumi_gcp as gcp
import pulumi_kubernetes as k8s

from infra.config import Taint, TaintEffect

GPU_TAINT = Taint(key="nvidia.com/gpu", value="present", effect=TaintEffect.NO_SCHEDULE)

# Node labels on every GPU node, so workloads can select GPU pools (seed 000: node-type=gpu-enabled).
GPU_NODE_LABELS = {"node-type": "gpu-enabled", "wedsync.io/gpu": "true"}
GPU_POOL_LABEL = "wedsync.io/gpu-pool"

# EKS and GKE spell taint effects the same way (`NO_SCHEDULE`); Kubernetes uses `NoSchedule`.
_CLOUD_EFFECT = {
    TaintEffect.NO_SCHEDULE: "NO_SCHEDULE",
    TaintEffect.PREFER_NO_SCHEDULE: "PREFER_NO_SCHEDULE",
    TaintEffect.NO_EXECUTE: "NO_EXECUTE",
}


def cloud_effect(taint: Taint) -> str:
    """The effect as EKS node groups and GKE node pools spell it."""
    return _CLOUD_EFFECT[taint.effect]


def eks_taint(taint: Taint) -> aws.eks.NodeGroupTaintArgs:
    """The taint for an EKS managed node group."""
    return aws.eks.NodeGroupTaintArgs(key=taint.key, value=taint.value, effect=cloud_effect(taint))


def gke_taint(taint: Taint) -> gcp.container.NodePoolNodeConfigTaintArgs:
    """The taint for a GKE node pool."""
    return gcp.container.NodePoolNodeConfigTaintArgs(key=taint.key, value=taint.value, effect=cloud_effect(taint))


def gpu_toleration() -> k8s.core.v1.TolerationArgs:
    """The toleration GPU workloads carry: any value of the GPU taint's key, with its effect."""
    return k8s.core.v1.TolerationArgs(key=GPU_TAINT.key, operator="Exists", effect=GPU_TAINT.effect.value)
