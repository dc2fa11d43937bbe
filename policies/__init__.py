"""The wedsync CrossGuard policy pack: policies in importable modules, the pack in __main__."""

from policies import (
    clusters,
    freeze,
    gpu,
    kubernetes,
    placeholders,
    queue_pools,
    redis,
    residency,
    safety,
    storage,
    tags,
)
from policies.kubernetes import IMAGE_DIGEST_POLICY

ALL_POLICIES = [
    *storage.POLICIES,
    *residency.POLICIES,
    *safety.POLICIES,
    *clusters.POLICIES,
    *gpu.POLICIES,
    *queue_pools.POLICIES,
    *redis.POLICIES,
    *kubernetes.POLICIES,
    *tags.POLICIES,
    *freeze.POLICIES,
    *placeholders.POLICIES,
]

# Policies that block only a deploy: a preview's pack config lowers them to advisory.
DEPLOY_GATES = (IMAGE_DIGEST_POLICY,)
