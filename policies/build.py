"""Constructing policies with every field a reviewer expects (name, description, level, severity, remediation)."""

from __future__ import annotations

from typing import Any, TypeVar

from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, Severity, StackValidationPolicy

from policies.settings import schema

P = TypeVar("P", ResourceValidationPolicy, StackValidationPolicy)


def _policy(
    kind: type[P],
    name: str,
    description: str,
    validate: Any,
    remediation: str,
    severity: Severity,
    settings: tuple[str, ...],
    level: EnforcementLevel,
) -> P:
    return kind(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=level,
        severity=severity,
        remediation_steps=remediation,
        config_schema=schema(*settings) if settings else None,
    )


def resource_policy(
    name: str,
    description: str,
    validate: Any,
    remediation: str,
    *,
    severity: Severity = Severity.HIGH,
    settings: tuple[str, ...] = (),
    level: EnforcementLevel = EnforcementLevel.MANDATORY,
) -> ResourceValidationPolicy:
    """A policy judging one resource at a time."""
    return _policy(ResourceValidationPolicy, name, description, validate, remediation, severity, settings, level)


def stack_policy(
    name: str,
    description: str,
    validate: Any,
    remediation: str,
    *,
    severity: Severity = Severity.HIGH,
    settings: tuple[str, ...] = (),
    level: EnforcementLevel = EnforcementLevel.MANDATORY,
) -> StackValidationPolicy:
    """A policy judging the whole stack (rules that span resources)."""
    return _policy(StackValidationPolicy, name, description, validate, remediation, severity, settings, level)
