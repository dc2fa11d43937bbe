"""`python -m infra`: the offline tools of the stack program.

    python -m infra preview --stack staging [--json plan.json]

Exit codes: 0 success, 2 invalid config or usage (one line per problem, no traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from infra.config import ConfigError, load_stack_platform

EXIT_OK = 0
EXIT_CONFIG = 2


def find_project_dir(start: Path) -> Path:
    """The nearest folder at or above `start` holding Pulumi.yaml, else this checkout's root."""
    for folder in (start, *start.parents):
        if (folder / "Pulumi.yaml").is_file():
            return folder
    return Path(__file__).resolve().parents[1]


def _preview(args: argparse.Namespace) -> int:
    from infra.offline.plan import run_program
    from infra.offline.summary import render_summary

    platform, stack_config = load_stack_platform(args.project_dir, args.stack)
    plan = run_program(platform, args.stack, stack_config)
    print(render_summary(plan, platform))
    if args.json:
        plan.write_json(args.json)
        print(f"\nPlan written to {args.json}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m infra", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=find_project_dir(Path.cwd()),
        help="folder with Pulumi.yaml and Pulumi.<stack>.yaml (default: found from the current folder)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    preview = commands.add_parser("preview", help="run the stack program offline under mocks and summarise it")
    preview.add_argument("--stack", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    preview.add_argument("--json", type=Path, help="write the whole plan as JSON to this file")
    preview.set_defaults(handler=_preview)
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
