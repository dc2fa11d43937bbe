"""The wedsync CrossGuard policy pack: policies in importable modules, the pack in __main__."""

from policies import clusters, freeze, gpu, kubernetes, placeholders, redis, residency, safety, storage, tags

ALL_POLICIES = [
    *storage.POLICIES,
    *residency.POLICIES,
    *safety.POLICIES,
    *clusters.POLICIES,
    *gpu.POLICIES,
    *redis.POLICIES,
    *kubernetes.POLICIES,
    *tags.POLICIES,
    *freeze.POLICIES,
    *placeholders.POLICIES,
]
