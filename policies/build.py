"""Constructing policies with every field a reviewer expects (name, description, level, severity, remediation)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypedDict, TypeVar, Unpack, cast

from pulumi_policy import (
    EnforcementLevel,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.settings import schema

P = TypeVar("P", ResourceValidationPolicy, StackValidationPolicy)


class Report(Protocol):
    """The `report_violation` CrossGuard passes to a policy.

    At run time the URN is optional (`report_violation(message, urn=None)` in pulumi_policy/policy.py);
    the package's `ReportViolation` alias types it as required, so policies use this type instead.
    """

    def __call__(self, message: str, urn: str | None = None, /) -> None: ...


ResourceCheck = Callable[[ResourceValidationArgs, Report], None]
StackCheck = Callable[[StackValidationArgs, Report], None]


class PolicyOptions(TypedDict, total=False):
    """How severe a violation is, the settings the policy reads, and whether it blocks (default: it does)."""

    severity: Severity
    settings: tuple[str, ...]
    level: EnforcementLevel


def _policy(
    kind: type[P],
    name: str,
    description: str,
    validate: ResourceCheck | StackCheck,
    remediation: str,
    options: PolicyOptions,
) -> P:
    settings = options.get("settings", ())
    return kind(
        name=name,
        description=description,
        validate=cast(Any, validate),  # the one place our Report type meets CrossGuard's ReportViolation alias
        enforcement_level=options.get("level", EnforcementLevel.MANDATORY),
        severity=options.get("severity", Severity.HIGH),
        remediation_steps=remediation,
        config_schema=schema(*settings) if settings else None,
    )


def resource_policy(
    name: str, description: str, validate: ResourceCheck, remediation: str, **options: Unpack[PolicyOptions]
) -> ResourceValidationPolicy:
    """A policy judging one resource at a time."""
    return _policy(ResourceValidationPolicy, name, description, validate, remediation, options)


def stack_policy(
    name: str, description: str, validate: StackCheck, remediation: str, **options: Unpack[PolicyOptions]
) -> StackValidationPolicy:
    """A policy judging the whole stack (rules that span resources)."""
    return _policy(StackValidationPolicy, name, description, validate, remediation, options)
