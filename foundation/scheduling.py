"""Where workloads may run: the GPU taint, node labels and tolerations, each defined once.

A taint is modelled once and renders every spelling: EKS node groups and GKE node pools say
`NO_SCHEDULE`, Kubernetes tolerations say `NoSchedule`. Cloud SDK types are imported only when a
component asks for them, so policies can read these conventions without loading the SDKs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field, StringConstraints

from foundation.config.base import LabelValue, Model

if TYPE_CHECKING:
    import pulumi_aws as aws
    import pulumi_gcp as gcp
    import pulumi_kubernetes as k8s

GPU_RESOURCE = "nvidia.com/gpu"  # the extended resource GPU pods request
GPU_POOL_LABEL = "wedsync.io/gpu-pool"
GPU_MODEL_LABEL = "wedsync.io/gpu-model"
# On every GPU node, so GPU workloads can select GPU pools (seed 000: node-type=gpu-enabled).
GPU_NODE_LABELS = {"node-type": "gpu-enabled", "wedsync.io/gpu": "true"}
# On the system pool: add-ons and CPU services select it.
SYSTEM_NODE_LABELS = {"node-type": "system"}
QUEUE_POOL_LABEL = "wedsync.io/queue-pool"  # a queue workload's own CPU pool


def queue_node_labels(workload: str) -> dict[str, str]:
    """The labels of a queue workload's pool: its pods select them, its node group / pool carries them."""
    return {"node-type": "queue-worker", QUEUE_POOL_LABEL: workload}


class TaintEffect(StrEnum):
    """Kubernetes spelling; `Taint.cloud_effect` gives the clouds' spelling."""

    NO_SCHEDULE = "NoSchedule"
    PREFER_NO_SCHEDULE = "PreferNoSchedule"
    NO_EXECUTE = "NoExecute"


_CLOUD_EFFECT = {
    TaintEffect.NO_SCHEDULE: "NO_SCHEDULE",
    TaintEffect.PREFER_NO_SCHEDULE: "PREFER_NO_SCHEDULE",
    TaintEffect.NO_EXECUTE: "NO_EXECUTE",
}


class Taint(Model):
    """A node taint (`key=value:effect`)."""

    key: Annotated[str, StringConstraints(min_length=1, max_length=253)] = Field(
        description="Taint key, e.g. `example.com/dedicated`"
    )
    value: LabelValue = Field("", description="Taint value (may be empty)")
    effect: TaintEffect = Field(
        TaintEffect.NO_SCHEDULE, description="What the taint does to pods that lack a toleration"
    )

    @property
    def cloud_effect(self) -> str:
        """The effect as EKS node groups and GKE node pools spell it."""
        return _CLOUD_EFFECT[self.effect]

    def as_eks(self) -> aws.eks.NodeGroupTaintArgs:
        """The taint of an EKS managed node group."""
        import pulumi_aws as aws

        return aws.eks.NodeGroupTaintArgs(key=self.key, value=self.value, effect=self.cloud_effect)

    def as_gke(self) -> gcp.container.NodePoolNodeConfigTaintArgs:
        """The taint of a GKE node pool."""
        import pulumi_gcp as gcp

        return gcp.container.NodePoolNodeConfigTaintArgs(key=self.key, value=self.value, effect=self.cloud_effect)

    def toleration(self) -> k8s.core.v1.TolerationArgs:
        """The toleration pods carry to run on tainted nodes: any value of the key, with its effect."""
        import pulumi_kubernetes as k8s

        values = self.toleration_values()
        return k8s.core.v1.TolerationArgs(key=values["key"], operator=values["operator"], effect=values["effect"])

    def toleration_values(self) -> dict[str, str]:
        """The same toleration as plain values (Helm chart values take it in this form)."""
        return {"key": self.key, "operator": "Exists", "effect": self.effect.value}

    def is_on_node_pool(self, taints: object) -> bool:
        """Whether a node group's or pool's `taints` (engine props, cloud spelling) include this taint."""
        return _any_mapping(taints, lambda t: t.get("key") == self.key and t.get("effect") == self.cloud_effect)

    def is_tolerated_by(self, tolerations: object) -> bool:
        """Whether a pod spec's `tolerations` (engine props) tolerate this taint (an empty effect matches all
        effects; an empty key with operator Exists matches all keys)."""

        def tolerates(t: Mapping[str, Any]) -> bool:
            key = t.get("key") == self.key or (not t.get("key") and t.get("operator") == "Exists")
            return key and t.get("effect") in (None, "", self.effect.value)

        return _any_mapping(tolerations, tolerates)


def _any_mapping(items: object, matches: Callable[[Mapping[str, Any]], bool]) -> bool:
    """True when some mapping in a sequence satisfies `matches` (engine props may be read-only proxies)."""
    if isinstance(items, str | bytes) or not isinstance(items, Iterable):
        return False
    return any(isinstance(item, Mapping) and matches(item) for item in items)


GPU_TAINT = Taint(key=GPU_RESOURCE, value="present", effect=TaintEffect.NO_SCHEDULE)
