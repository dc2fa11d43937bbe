"""Run the policy pack's own policy objects against a captured plan, with engine-shaped arguments."""

from __future__ import annotations

import inspect
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from pulumi.runtime.sync_await import _sync_await
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError

from infra.offline.monitor import Registration


@dataclass(frozen=True)
class Violation:
    """One reported violation."""

    policy: str
    level: EnforcementLevel
    message: str
    urn: str | None


def _policy_resources(registrations: list[Registration]) -> list[PolicyResource]:
    """PolicyResources linked to their parents, dependencies and providers, in registration order."""
    by_urn: dict[str, PolicyResource] = {}
    providers = {r.urn: r for r in registrations if r.type.startswith("pulumi:providers:")}
    result = []
    for registration in registrations:
        provider = None
        if registration.provider:
            provider_registration = providers.get(registration.provider.rsplit("::", 1)[0])
            if provider_registration:
                provider = PolicyProviderResource(
                    provider_registration.type,
                    provider_registration.inputs,
                    provider_registration.urn,
                    provider_registration.name,
                )
        resource = PolicyResource(
            resource_type=registration.type,
            props=registration.inputs,
            urn=registration.urn,
            name=registration.name,
            opts=_options(registration),
            provider=provider,
            parent=by_urn.get(registration.parent or ""),
            dependencies=[by_urn[d] for d in registration.dependencies if d in by_urn],
            property_dependencies={},
        )
        by_urn[registration.urn] = resource
        result.append(resource)
    return result


def _options(registration: Registration) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=registration.protect,
        ignore_changes=list(registration.ignore_changes),
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=registration.parent,
    )


def _call(validations: Any, args: Any, report: Any) -> None:
    for validate in validations if isinstance(validations, list) else [validations]:
        try:
            result = validate(args, report)
            if inspect.isawaitable(result):
                _sync_await(result)
        except _NotApplicableError:
            continue


def run_policies(
    registrations: list[Registration], policies: list[Policy], config: dict[str, dict[str, Any]]
) -> list[Violation]:
    """Every violation of every policy, as the engine would collect them in a preview."""
    resources = _policy_resources(registrations)
    violations: list[Violation] = []
    for policy in policies:
        level = policy.enforcement_level or EnforcementLevel.MANDATORY
        policy_config = config.get(policy.name, {})

        def reporter(urn: str | None, name: str = policy.name, lvl: EnforcementLevel = level):
            def report(message: str, violation_urn: str | None = None) -> None:
                violations.append(Violation(name, lvl, message, violation_urn or urn))

            return report

        if isinstance(policy, ResourceValidationPolicy):
            for resource in resources:
                if resource.resource_type == "pulumi:pulumi:Stack":
                    continue
                args = ResourceValidationArgs(
                    resource.resource_type,
                    resource.props,
                    resource.urn,
                    resource.name,
                    resource.opts,
                    resource.provider,
                    policy_config,
                )
                _call(policy.validate, args, reporter(resource.urn))
        elif isinstance(policy, StackValidationPolicy):
            _call(policy.validate, StackValidationArgs(resources, policy_config), reporter(None))
    return violations


def render_violations(violations: list[Violation], policy_count: int) -> str:
    """Violations grouped by policy, mandatory first."""
    if not violations:
        return f"Policies: all {policy_count} policies pass."
    grouped: dict[tuple[str, str], list[Violation]] = defaultdict(list)
    for violation in violations:
        grouped[(violation.level.value, violation.policy)].append(violation)
    lines = ["Policy violations:"]
    for (level, name), items in sorted(grouped.items(), key=lambda item: (item[0][0] != "mandatory", item[0][1])):
        lines.append(f"  [{level}] {name} ({len(items)})")
        lines.extend(f"    - {v.message}" + (f"\n      {v.urn}" if v.urn else "") for v in items)
    mandatory = sum(v.level is EnforcementLevel.MANDATORY for v in violations)
    lines.append(f"Policies: {mandatory} mandatory and {len(violations) - mandatory} advisory violation(s).")
    return "\n".join(lines)


def has_mandatory(violations: list[Violation]) -> bool:
    return any(v.level is EnforcementLevel.MANDATORY for v in violations)
