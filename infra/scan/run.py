"""`python -m infra scan`: the plan as Terraform plan JSON and the rendered manifests, through checkov,
judged against the committed baseline."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from foundation.config import PlatformConfig
from infra.offline.manifests import write_manifests
from infra.offline.plan import Plan
from infra.scan.baseline import Verdict, apply_baseline, read_baseline, refreshed, write_baseline
from infra.scan.checkov import ScanResult, run_checkov
from infra.scan.tfplan import to_terraform_plan

TFPLAN_FILE = "tfplan.json"


def default_baseline(project_dir: Path, stack: str) -> Path:
    """Each stack has its own accepted findings: `docs/scan-baseline-<stack>.yaml`."""
    return project_dir / "docs" / f"scan-baseline-{stack}.yaml"


@dataclass
class Scan:
    result: ScanResult
    verdict: Verdict

    @property
    def ok(self) -> bool:
        return not (self.verdict.new or self.verdict.unexplained)


def scan_plan(
    plan: Plan, platform: PlatformConfig, checkov: str, baseline: Path, tfplan_out: Path | None = None
) -> Scan:
    """Export the plan, run checkov on it and on the manifests, and judge the findings by the baseline."""
    terraform_plan = to_terraform_plan(plan)
    with tempfile.TemporaryDirectory(prefix="infra-scan-") as folder:
        (Path(folder) / TFPLAN_FILE).write_text(json.dumps(terraform_plan.document, indent=1))
        write_manifests(plan, platform, Path(folder) / "manifests")
        rollouts_as_deployments(Path(folder) / "manifests")
        if tfplan_out:
            tfplan_out.write_text(json.dumps(terraform_plan.document, indent=2) + "\n")
        result = run_checkov(checkov, Path(folder))
    return Scan(result, apply_baseline(result.findings, read_baseline(baseline)))


def rollouts_as_deployments(manifests: Path) -> int:
    """Rewrite each Argo Rollout manifest as the Deployment it stands for (same metadata, selector and pod
    template), so checkov's pod checks, which know only built-in workload kinds, still judge its pods; the
    number rewritten."""
    rewritten = 0
    for path in sorted(manifests.rglob("*.yaml")):
        document = yaml.safe_load(path.read_text())
        if not (isinstance(document, dict) and document.get("kind") == "Rollout"):
            continue
        spec = document["spec"]
        deployment = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": document["metadata"],
            "spec": {"selector": spec["selector"], "template": spec["template"]},
        }
        path.write_text(yaml.safe_dump(deployment, sort_keys=False))
        rewritten += 1
    return rewritten


def refresh_baseline(scan: Scan, baseline: Path) -> int:
    """Rewrite the baseline from the scan's findings; the number of entries still without a reason."""
    entries = refreshed(scan.result.findings, read_baseline(baseline))
    write_baseline(baseline, entries)
    return sum(1 for entry in entries if not entry.accepted)


def render_scan(scan: Scan, baseline: Path) -> str:
    result, verdict = scan.result, scan.verdict
    counts = "; ".join(f"{fw} {result.passed[fw]} passed, {result.failed[fw]} failed" for fw in result.passed)
    accepted = len(result.findings) - len(verdict.new) - len(verdict.unexplained)
    shown = baseline.relative_to(Path.cwd()) if baseline.is_relative_to(Path.cwd()) else baseline
    lines = [
        f"checkov: {counts}",
        f"Baseline {shown}: {accepted} accepted, {len(verdict.new)} new, "
        f"{len(verdict.unexplained)} without a reason, {len(verdict.stale)} stale",
    ]
    if verdict.new:
        lines.append("New findings (not in the baseline):")
        lines += [f"  {f.check_id} {f.resource}: {f.check_name}" for f in verdict.new]
    if verdict.unexplained:
        lines.append('In the baseline as "TODO reason" (not accepted until the reason is written):')
        lines += [f"  {f.check_id} {f.resource}: {f.check_name}" for f in verdict.unexplained]
    if verdict.stale:
        lines.append("Stale baseline entries (nothing matches them any more; drop them with --write-baseline):")
        lines += [f"  {e.check} {e.resource}" for e in verdict.stale]
    return "\n".join(lines)
