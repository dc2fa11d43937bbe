"""Constructing policies with every field a reviewer expects (name, description, level, severity, remediation)."""

from __future__ import annotations

from typing import Any, TypedDict, TypeVar, Unpack

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity, StackValidationPolicy

from policies.settings import schema

P = TypeVar("P", ResourceValidationPolicy, StackValidationPolicy)


class PolicyOptions(TypedDict, total=False):
    """How severe a violation is, the settings the policy reads, and whether it blocks (default: it does)."""

    severity: Severity
    settings: tuple[str, ...]
    level: EnforcementLevel


def _policy(kind: type[P], name: str, description: str, validate: Any, remediation: str, options: PolicyOptions) -> P:
    settings = options.get("settings", ())
    return kind(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=options.get("level", EnforcementLevel.MANDATORY),
        severity=options.get("severity", Severity.HIGH),
        remediation_steps=remediation,
        config_schema=schema(*settings) if settings else None,
    )


def resource_policy(
    name: str, description: str, validate: Any, remediation: str, **options: Unpack[PolicyOptions]
) -> ResourceValidationPolicy:
    """A policy judging one resource at a time."""
    return _policy(ResourceValidationPolicy, name, description, validate, remediation, options)


def stack_policy(
    name: str, description: str, validate: Any, remediation: str, **options: Unpack[PolicyOptions]
) -> StackValidationPolicy:
    """A policy judging the whole stack (rules that span resources)."""
    return _policy(StackValidationPolicy, name, description, validate, remediation, options)
