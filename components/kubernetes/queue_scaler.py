"""KEDA for any queue worker: scale on its Redis stream's lag, keep workers while jobs are pending, and hold the
Saturday pre-scale on the region's clock. The GPU photo worker and the config-defined CPU workers share it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes.objects import labels, meta
from components.kubernetes.redis_connection import RedisConnection
from foundation.calendar import Weekday, cron_weekday
from foundation.config import SaturdayPrescale

TRIGGER_AUTH = "redis-streams"  # the TriggerAuthentication of each worker namespace


@dataclass(frozen=True)
class QueueScaling:
    """Which stream and group a worker reads, and how many of it KEDA may run."""

    deployment: str  # the scaled Deployment's name
    stream: str
    group: str
    lag_target: int  # unread entries per pod KEDA scales towards
    pending_per_pod: int  # entries one pod holds claimed at most (its batch)
    fewest: int
    most: int
    prescale: SaturdayPrescale
    prescale_replicas: int
    timezone: str
    weekday: Weekday


def _cron(at: time, weekday: Weekday) -> str:
    return f"{at.minute} {at.hour} * * {cron_weekday(weekday)}"


def scaled_object_spec(scaling: QueueScaling, redis_address: pulumi.Input[str]) -> dict[str, object]:
    """The ScaledObject's spec: lag and pending-entries triggers on the worker's own stream and group, and the
    Saturday pre-scale (capped by the maximum; none when it asks for no pods)."""
    group = {
        "address": redis_address,
        "stream": scaling.stream,
        "consumerGroup": scaling.group,
        "enableTLS": "true",
        "activationLagCount": "0",  # active from the first entry
    }
    # One redis-streams trigger has one mode: with lagCount it counts unread entries and ignores pending
    # ones (keda pkg/scalers/redis_streams_scaler.go). A second trigger counts claimed-but-unacknowledged
    # entries, one batch per worker, so workers stay while any job is pending and none are added for it.
    triggers: list[dict[str, object]] = [
        {
            "type": "redis-streams",
            "metadata": {**group, "lagCount": str(scaling.lag_target)},
            "authenticationRef": {"name": TRIGGER_AUTH},
        },
        {
            "type": "redis-streams",
            "metadata": {**group, "pendingEntriesCount": str(scaling.pending_per_pod)},
            "authenticationRef": {"name": TRIGGER_AUTH},
        },
    ]
    if scaling.prescale_replicas > 0:
        triggers.append(
            {
                "type": "cron",
                "metadata": {
                    "timezone": scaling.timezone,
                    "start": _cron(scaling.prescale.start, scaling.weekday),
                    "end": _cron(scaling.prescale.end, scaling.weekday),
                    "desiredReplicas": str(min(scaling.prescale_replicas, scaling.most)),
                },
            }
        )
    return {
        "scaleTargetRef": {"name": scaling.deployment},
        "minReplicaCount": scaling.fewest,
        "maxReplicaCount": scaling.most,
        "pollingInterval": 15,
        "cooldownPeriod": 300,
        "triggers": triggers,
    }


def create_queue_scaler(
    name: str,
    namespace: str,
    scaling: QueueScaling,
    redis: RedisConnection,
    opts: pulumi.ResourceOptions,
    *,
    auth_resource: str,
    scaler_resource: str,
) -> None:
    """The namespace's Redis TriggerAuthentication and the worker's ScaledObject (resource names given by the
    caller, so existing URNs stay)."""
    auth = k8s.apiextensions.CustomResource(
        auth_resource,
        api_version="keda.sh/v1alpha1",
        kind="TriggerAuthentication",
        metadata=meta(TRIGGER_AUTH, namespace),
        spec={"secretTargetRef": redis.trigger_secret_refs()},
        opts=opts,
    )
    k8s.apiextensions.CustomResource(
        scaler_resource,
        api_version="keda.sh/v1alpha1",
        kind="ScaledObject",
        metadata=meta(scaling.deployment, namespace, labels(scaling.deployment, "autoscaling")),
        spec=scaled_object_spec(scaling, redis.address),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[auth])),
    )
