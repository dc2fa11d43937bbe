"""Data safety: in prod, stateful resources are protected from deletion by `pulumi up`."""

from __future__ import annotations

from pulumi_policy import ResourceValidationArgs, Severity

from foundation.policy_settings import setting
from policies.build import Report, resource_policy
from policies.resources import STATEFUL_TYPES


def _protected_in_prod(args: ResourceValidationArgs, report: Report) -> None:
    if args.resource_type not in STATEFUL_TYPES or setting(args.get_config(), "tier") != "prod":
        return
    if not args.opts.protect:
        report(f"{args.resource_type} holds state but is not protected: a refactor could delete it")


POLICIES = [
    resource_policy(
        "stateful-resources-protected",
        "In prod, buckets, KMS keys, Redis, clusters and DNS zones are registered with protect.",
        _protected_in_prod,
        "Create the resource with components.options.stateful_opts (protect + retain_on_delete).",
        severity=Severity.CRITICAL,
        settings=("tier",),
    )
]
