"""`python -m infra`: the offline tools of the stack program.

    python -m infra preview --stack staging [--json plan.json] [--manifests DIR] [--at 2026-06-13T14:00:00+00:00]
    python -m infra check plan.json [--stack prod] [--at ...] [--deploy]
    python -m infra policy-config --stack prod [--deploy] [--out pack-config.json]
    python -m infra diagram --stack prod [--out plan.mmd] [--svg plan.svg] [--readme README.md]
    python -m infra simulate --stack prod [--season peak]
    python -m infra dr-report --stack prod
    python -m infra pin-images --stack prod [--worker TAG@DIGEST] [--require]
    python -m infra deploy-env --stack prod [--get PULUMI_BACKEND_URL]
    python -m infra config-schema [--out docs/config.schema.json]
    python -m infra config-reference [--readme README.md]
    python -m infra scan --stack prod [--plan plan.json] [--tfplan tfplan.json] [--write-baseline]

Exit codes: 0 success, 1 a mandatory policy is violated (or a manifest is invalid, or `pin-images
--require` left an image without a digest, or `scan` found what its baseline does not accept), 2 invalid
config or usage (one line per problem, no traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from foundation.config import ConfigError, PlatformConfig, Season, load_stack_platform

EXIT_OK = 0
EXIT_POLICY = 1
EXIT_CONFIG = 2


def find_project_dir(start: Path) -> Path:
    """The nearest folder at or above `start` holding Pulumi.yaml, else this checkout's root."""
    for folder in (start, *start.parents):
        if (folder / "Pulumi.yaml").is_file():
            return folder
    return Path(__file__).resolve().parents[1]


def _instant(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO 8601 instant, e.g. 2026-06-13T14:00:00+00:00 (got {text!r})"
        ) from None


def _check_policies(registrations, platform: PlatformConfig, args: argparse.Namespace) -> int:
    """Start the policy pack as the Pulumi CLI does and run it on the plan over the analyzer protocol."""
    from foundation.config import PROJECT
    from foundation.policy_settings import settings_for
    from infra.offline.analyzer import PackStartError, PolicyPackProcess
    from infra.offline.engine import PackConfigError
    from infra.offline.policy_check import check_plan, render_violations
    from infra.policy_config import pack_config

    deploy = getattr(args, "deploy", False)
    config = pack_config(settings_for(platform, deploy=deploy, at=args.at))
    try:
        with PolicyPackProcess() as pack:
            report = check_plan(pack, registrations, config, project=PROJECT, stack=args.stack, dry_run=not deploy)
    except PackConfigError as exc:
        print("invalid policy pack config:", file=sys.stderr)
        for line in exc.lines:
            print(f"  {line}", file=sys.stderr)
        return EXIT_CONFIG
    except PackStartError as exc:
        print(f"policies could not be checked: {exc}", file=sys.stderr)
        return EXIT_POLICY
    print(render_violations(report))
    return EXIT_POLICY if report.has_mandatory else EXIT_OK


def _preview(args: argparse.Namespace) -> int:
    from infra.cost_report import render_cost
    from infra.offline.plan import run_program
    from infra.offline.summary import render_summary
    from infra.preview_warnings import warning_lines

    platform, stack_config = load_stack_platform(args.project_dir, args.stack)
    for line in warning_lines(platform, args.at.date() if args.at else date.today()):
        print(line)
    plan = run_program(platform, args.stack, stack_config)
    print(render_summary(plan, platform))
    print()
    print(render_cost(platform))
    if args.json:
        plan.write_json(args.json)
        print(f"\nPlan written to {args.json}")
    manifests_ok = _write_manifests(plan, platform, args.manifests) if args.manifests else True
    print()
    policies = _check_policies(plan.resources, platform, args)
    return policies if manifests_ok else EXIT_POLICY


def _write_manifests(plan, platform: PlatformConfig, folder: Path) -> bool:
    from infra.offline.manifests import write_manifests

    report = write_manifests(plan, platform, folder)
    print(
        f"\nManifests: {report.written} objects written to {folder}/<region>/ ({report.validated} of built-in kinds "
        f"validated strictly against their region's Kubernetes version, {report.custom} custom resources), "
        "Helm releases listed in helm-releases.yaml"
    )
    for error in report.errors:
        print(f"  invalid: {error}")
    return not report.errors


def _check(args: argparse.Namespace) -> int:
    from infra.offline.plan import Plan

    try:
        plan = Plan.read_json(args.plan)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"{args.plan}: not a plan written by `python -m infra preview --json` ({exc})", file=sys.stderr)
        return EXIT_CONFIG
    args.stack = args.stack or plan.stack
    platform, _ = load_stack_platform(args.project_dir, args.stack)
    return _check_policies(plan.resources, platform, args)


def _policy_config(args: argparse.Namespace) -> int:
    from foundation.policy_settings import settings_for
    from infra.policy_config import pack_config

    platform, _ = load_stack_platform(args.project_dir, args.stack)
    _write_or_print(json.dumps(pack_config(settings_for(platform, deploy=args.deploy)), indent=2) + "\n", args.out)
    return EXIT_OK


def _diagram(args: argparse.Namespace) -> int:
    from infra.diagram import build_diagram, render_svg, to_dot, to_mermaid, with_diagram
    from infra.offline.plan import run_program

    platform, stack_config = load_stack_platform(args.project_dir, args.stack)
    diagram = build_diagram(run_program(platform, args.stack, stack_config))
    mermaid = to_mermaid(diagram)
    if args.readme:
        args.readme.write_text(with_diagram(args.readme.read_text(), mermaid))
    if args.svg:
        svg = render_svg(to_dot(diagram))
        if svg is None:
            print("Graphviz `dot` is not installed: no SVG written (apt-get install graphviz)", file=sys.stderr)
            return EXIT_CONFIG
        args.svg.write_bytes(svg)
    if args.out or not (args.readme or args.svg):
        _write_or_print(mermaid, args.out)
    return EXIT_OK


def _simulate(args: argparse.Namespace) -> int:
    from infra.offline.plan import run_program
    from infra.simulation.benchmarks import BenchmarkError
    from infra.simulation.report import render_saturday
    from infra.simulation.saturday import simulate_plan, with_season

    platform, stack_config = load_stack_platform(args.project_dir, args.stack)
    config = platform.simulation.model_copy(update={"season": args.season or platform.simulation.season})
    plan = run_program(platform, args.stack, with_season(stack_config, config.season))
    try:
        days = simulate_plan(plan, config)
    except (BenchmarkError, LookupError) as exc:
        print(f"cannot simulate stack {args.stack!r}: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    print(render_saturday(days, config, args.stack))
    return EXIT_OK


def _dr_report(args: argparse.Namespace) -> int:
    from infra.dr_report import assess, render
    from infra.offline.plan import run_program

    platform, stack_config = load_stack_platform(args.project_dir, args.stack)
    print(render(assess(run_program(platform, args.stack, stack_config), platform)))
    return EXIT_OK


def _pin_images(args: argparse.Namespace) -> int:
    from foundation.config.loader import stack_file
    from infra.pin_images import pin_stack_file
    from infra.registry import Registry

    platform, _ = load_stack_platform(args.project_dir, args.stack)
    path = stack_file(args.project_dir, args.stack)
    try:
        report = pin_stack_file(path, platform, Registry().digest, args.worker)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CONFIG
    print("\n".join(report.lines()))
    print(
        f"{path.name}: {len(report.pinned)} pinned, {len(report.verified)} verified, "
        f"{len(report.unresolved)} not pinned by digest"
    )
    return EXIT_POLICY if args.require and report.unresolved else EXIT_OK


def _deploy_env(args: argparse.Namespace) -> int:
    from infra.deploy_env import deploy_env

    platform, _ = load_stack_platform(args.project_dir, args.stack)
    env = deploy_env(platform)
    if args.get:
        if args.get not in env:
            print(f"{args.get}: not one of {', '.join(env)}", file=sys.stderr)
            return EXIT_CONFIG
        print(env[args.get])
    else:
        print("\n".join(f"{key}={value}" for key, value in env.items()))
    return EXIT_OK


def _config_schema(args: argparse.Namespace) -> int:
    from infra.config_docs import schema_document

    _write_or_print(schema_document(), args.out)
    return EXIT_OK


def _config_reference(args: argparse.Namespace) -> int:
    from infra.config_docs import reference_markdown, with_reference

    if args.readme:
        args.readme.write_text(with_reference(args.readme.read_text()))
    else:
        print(reference_markdown())
    return EXIT_OK


def _scan(args: argparse.Namespace) -> int:
    from infra.offline.plan import Plan, run_program
    from infra.scan.baseline import BaselineError
    from infra.scan.checkov import CheckovMissing, checkov_executable
    from infra.scan.run import default_baseline, refresh_baseline, render_scan, scan_plan

    platform, stack_config = load_stack_platform(args.project_dir, args.stack)
    baseline = args.baseline or default_baseline(args.project_dir, args.stack)
    try:
        checkov = checkov_executable(args.project_dir)
        plan = Plan.read_json(args.plan) if args.plan else run_program(platform, args.stack, stack_config)
        scan = scan_plan(plan, platform, checkov, baseline, args.tfplan)
        if args.write_baseline:
            todo = refresh_baseline(scan, baseline)
            print(f"{baseline}: {len(scan.result.findings)} entries written, {todo} need a reason")
            return EXIT_OK
    except (CheckovMissing, BaselineError, OSError, ValueError, KeyError) as exc:
        print(f"scan: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    print(render_scan(scan, baseline))
    return EXIT_OK if scan.ok else EXIT_POLICY


def _write_or_print(document: str, out: Path | None) -> None:
    if out:
        out.write_text(document)
    else:
        sys.stdout.write(document)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m infra", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=find_project_dir(Path.cwd()),
        help="folder with Pulumi.yaml and Pulumi.<stack>.yaml (default: found from the current folder)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    at_help = "evaluate the change freeze at this instant (default: now)"

    preview = commands.add_parser("preview", help="run the stack program offline, estimate cost, check policies")
    preview.add_argument("--stack", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    preview.add_argument("--json", type=Path, help="write the whole plan as JSON to this file")
    preview.add_argument("--manifests", type=Path, help="write every Kubernetes object as YAML under this folder")
    preview.add_argument("--at", type=_instant, help=at_help)
    preview.set_defaults(handler=_preview)

    check = commands.add_parser("check", help="check the policies against a saved plan")
    check.add_argument("plan", type=Path)
    check.add_argument("--stack", help="whose config to judge by (default: the plan's stack)")
    check.add_argument("--at", type=_instant, help=at_help)
    check.add_argument("--deploy", action="store_true", help="judge as a deploy (the freeze becomes mandatory)")
    check.set_defaults(handler=_check)

    config = commands.add_parser("policy-config", help="write the policy pack's config for a stack")
    config.add_argument("--stack", required=True)
    config.add_argument("--deploy", action="store_true", help="for `pulumi up`: the freeze is mandatory")
    config.add_argument("--out", type=Path, help="file to write (default: standard output)")
    config.set_defaults(handler=_policy_config)

    diagram = commands.add_parser("diagram", help="draw the plan's topology (Mermaid; SVG with Graphviz)")
    diagram.add_argument("--stack", required=True)
    diagram.add_argument("--out", type=Path, help="write the Mermaid text here (default: standard output)")
    diagram.add_argument("--svg", type=Path, help="also render an SVG with Graphviz `dot`")
    diagram.add_argument("--readme", type=Path, help="replace the generated picture in this README")
    diagram.set_defaults(handler=_diagram)
    simulate = commands.add_parser("simulate", help="replay a peak Saturday through the plan's scaling, per region")
    simulate.add_argument("--stack", required=True)
    simulate.add_argument(
        "--season", choices=[s.value for s in Season], help="plan the stack in this season (default: simulation.season)"
    )
    simulate.set_defaults(handler=_simulate)
    dr = commands.add_parser("dr-report", help="RPO/RTO per data class after a region loss, against the targets")
    dr.add_argument("--stack", required=True)
    dr.set_defaults(handler=_dr_report)

    pin = commands.add_parser("pin-images", help="record image digests in Pulumi.<stack>.yaml (registry API v2)")
    pin.add_argument("--stack", required=True)
    pin.add_argument("--worker", metavar="TAG@DIGEST", help="point every worker image at this build first (CI)")
    pin.add_argument("--require", action="store_true", help="exit 1 unless every image is pinned by digest")
    pin.set_defaults(handler=_pin_images)

    env = commands.add_parser("deploy-env", help="backend URL, secrets key and CI identities of a stack")
    env.add_argument("--stack", required=True)
    env.add_argument("--get", metavar="KEY", help="print only this value (e.g. PULUMI_BACKEND_URL)")
    env.set_defaults(handler=_deploy_env)

    schema = commands.add_parser("config-schema", help="write the JSON Schema of Pulumi.<stack>.yaml")
    schema.add_argument("--out", type=Path, help="file to write (default: standard output)")
    schema.set_defaults(handler=_config_schema)

    reference = commands.add_parser("config-reference", help="write the config reference table (Markdown)")
    reference.add_argument("--readme", type=Path, help="replace the generated section of this README")
    reference.set_defaults(handler=_config_reference)

    scan = commands.add_parser("scan", help="run checkov on the plan (as Terraform plan JSON) and the manifests")
    scan.add_argument("--stack", required=True)
    scan.add_argument("--plan", type=Path, help="scan this plan from `preview --json` instead of running the program")
    scan.add_argument("--tfplan", type=Path, help="also write the Terraform plan JSON to this file")
    scan.add_argument("--baseline", type=Path, help="accepted findings (default: docs/scan-baseline-<stack>.yaml)")
    scan.add_argument("--write-baseline", action="store_true", help="rewrite the baseline from today's findings")
    scan.set_defaults(handler=_scan)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except ConfigError as exc:
        print(f"invalid config for stack {args.stack!r}:", file=sys.stderr)
        for line in exc.lines:
            print(f"  {line}", file=sys.stderr)
        return EXIT_CONFIG
