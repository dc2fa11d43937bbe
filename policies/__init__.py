"""The wedsync CrossGuard policy pack: policies in importable modules, the pack in __main__."""

from policies import (
    alerting,
    audit,
    cache,
    clusters,
    freeze,
    gpu,
    iam,
    kubernetes,
    placeholders,
    pool_capacity,
    queue_pools,
    redis,
    residency,
    safety,
    storage,
    supply_chain,
    tags,
)
from policies.kubernetes import IMAGE_DIGEST_POLICY

ALL_POLICIES = [
    *storage.POLICIES,
    *residency.POLICIES,
    *cache.POLICIES,
    *safety.POLICIES,
    *clusters.POLICIES,
    *gpu.POLICIES,
    *queue_pools.POLICIES,
    *pool_capacity.POLICIES,
    *redis.POLICIES,
    *kubernetes.POLICIES,
    *supply_chain.POLICIES,
    *tags.POLICIES,
    *freeze.POLICIES,
    *placeholders.POLICIES,
    *alerting.POLICIES,
    *audit.POLICIES,
    *iam.POLICIES,
]

# Policies that block only a deploy: a preview's pack config lowers them to advisory.
DEPLOY_GATES = (IMAGE_DIGEST_POLICY,)
