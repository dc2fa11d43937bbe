"""The committed baseline of accepted findings: check id, resource and a one-line reason each."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from infra.scan.checkov import Finding

TODO_REASON = "TODO reason"
HEADER = """\
# Findings of `python -m infra scan` accepted for now, each with its reason (one line).
# Regenerate after a change with `python -m infra scan --stack prod --write-baseline`: reasons are kept,
# new entries get "TODO reason", which the scan does NOT accept until someone writes the real reason.
"""


@dataclass(frozen=True)
class Entry:
    check: str
    resource: str
    reason: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.check, self.resource)

    @property
    def accepted(self) -> bool:
        return bool(self.reason.strip()) and self.reason.strip() != TODO_REASON


@dataclass
class Verdict:
    """Findings not accepted by the baseline, and baseline entries no finding matches any more."""

    new: list[Finding] = field(default_factory=list)
    unexplained: list[Finding] = field(default_factory=list)  # in the baseline with "TODO reason"
    stale: list[Entry] = field(default_factory=list)


class BaselineError(ValueError):
    """The baseline file is not a list of {check, resource, reason} entries."""


def read_baseline(path: Path) -> list[Entry]:
    """The entries of a baseline file (none if the file does not exist)."""
    if not path.exists():
        return []
    document = yaml.safe_load(path.read_text()) or {}
    entries = document.get("accepted", []) if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise BaselineError(f"{path}: expected a mapping with an `accepted` list")
    parsed = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("check", "resource")):
            raise BaselineError(f"{path}: accepted[{index}] needs `check` and `resource` strings and a `reason`")
        parsed.append(Entry(entry["check"], entry["resource"], str(entry.get("reason") or "")))
    return parsed


def apply_baseline(findings: list[Finding], entries: list[Entry]) -> Verdict:
    by_key = {entry.key: entry for entry in entries}
    verdict = Verdict()
    for finding in findings:
        entry = by_key.get(finding.key)
        if entry is None:
            verdict.new.append(finding)
        elif not entry.accepted:
            verdict.unexplained.append(finding)
    found = {finding.key for finding in findings}
    verdict.stale = [entry for entry in entries if entry.key not in found]
    return verdict


def refreshed(findings: list[Finding], entries: list[Entry]) -> list[Entry]:
    """One entry per current finding: the existing reason where there is one, else "TODO reason"."""
    reasons = {entry.key: entry.reason for entry in entries}
    return [Entry(f.check_id, f.resource, reasons.get(f.key, TODO_REASON)) for f in findings]


def write_baseline(path: Path, entries: list[Entry]) -> None:
    document = {"accepted": [{"check": e.check, "resource": e.resource, "reason": e.reason} for e in entries]}
    path.write_text(HEADER + yaml.safe_dump(document, sort_keys=False, width=200))
