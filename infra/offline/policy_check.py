"""Check a captured plan against the policy pack through the analyzer protocol the Pulumi CLI speaks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi.runtime.proto import analyzer_pb2

from infra.offline.analyzer import PolicyPackProcess
from infra.offline.engine import EngineView, reconcile_config
from infra.offline.monitor import Registration

_LEVEL_NAMES = {value: name for name, value in analyzer_pb2.EnforcementLevel.items()}


@dataclass(frozen=True)
class Violation:
    """One diagnostic the pack reported."""

    policy: str
    level: str  # "mandatory" or "advisory"
    message: str
    urn: str | None

    @property
    def mandatory(self) -> bool:
        return self.level == "mandatory"


@dataclass(frozen=True)
class PolicyReport:
    """What one run of the pack found, and how many policies it ran."""

    violations: list[Violation]
    policy_count: int

    @property
    def has_mandatory(self) -> bool:
        return any(v.mandatory for v in self.violations)


def _violations(response: analyzer_pb2.AnalyzeResponse) -> list[Violation]:
    """The pack prefixes each message with the policy's description (`_create_report_violation`); drop it."""
    return [
        Violation(
            d.policyName,
            _LEVEL_NAMES[d.enforcementLevel].lower(),
            d.message.removeprefix(d.description).removeprefix("\n") or d.description,
            d.urn or None,
        )
        for d in response.diagnostics
    ]


def check_plan(
    pack: PolicyPackProcess,
    registrations: list[Registration],
    config: Mapping[str, Any],
    *,
    project: str,
    stack: str,
    dry_run: bool = True,
) -> PolicyReport:
    """Configure the running pack as the engine does, then Analyze every resource and AnalyzeStack once."""
    pack.configure_stack(project, stack, dry_run=dry_run)
    info = pack.info()
    pack.configure(reconcile_config(info, config))
    engine = EngineView(registrations)
    violations = [v for request in engine.analyze_requests() for v in _violations(pack.analyze(request))]
    violations += _violations(pack.analyze_stack(engine.stack_resources()))
    return PolicyReport(violations, len(info.policies))


def render_violations(report: PolicyReport) -> str:
    """Violations grouped by policy, mandatory first."""
    if not report.violations:
        return f"Policies: all {report.policy_count} policies pass."
    grouped: dict[tuple[str, str], list[Violation]] = defaultdict(list)
    for violation in report.violations:
        grouped[(violation.level, violation.policy)].append(violation)
    lines = ["Policy violations:"]
    for (level, name), items in sorted(grouped.items(), key=lambda item: (item[0][0] != "mandatory", item[0][1])):
        lines.append(f"  [{level}] {name} ({len(items)})")
        lines.extend(f"    - {v.message}" + (f"\n      {v.urn}" if v.urn else "") for v in items)
    mandatory = sum(v.mandatory for v in report.violations)
    lines.append(f"Policies: {mandatory} mandatory and {len(report.violations) - mandatory} advisory violation(s).")
    return "\n".join(lines)
