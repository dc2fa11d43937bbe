"""docs/deploy.md: linked from the README, and its commands name what exists."""

from __future__ import annotations

import argparse
import re

from infra.cli import build_parser
from tests.conftest import REPO

GUIDE = (REPO / "docs" / "deploy.md").read_text()


def _pulumi_glob(glob: str) -> re.Pattern[str]:
    """A `--target` glob as the CLI matches it (pulumi/pulumi pkg/resource/deploy/deployment.go getMatcher):
    `**` is any text, `*` any text without `:`."""
    segments = ["[^:]*".join(re.escape(part) for part in segment.split("*")) for segment in glob.split("**")]
    return re.compile("^" + ".*".join(segments) + "$")


def test_the_readme_links_the_guide_from_its_deploying_section() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## Deploying with the Pulumi CLI") :].split("\n## ", 1)[0]
    assert "(docs/deploy.md)" in section


def test_every_offline_command_in_the_guide_exists() -> None:
    (subcommands,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    commands = set(subcommands.choices)
    used = set(re.findall(r"python -m infra ([a-z-]+)", GUIDE))
    assert used and used <= commands


def test_the_first_targeted_up_creates_the_registries_and_their_parents_only(prod) -> None:
    _, plan = prod
    targets = [_pulumi_glob(t) for t in re.findall(r"--target '([^']+)'", GUIDE)]
    targeted = {r.urn for r in plan.resources if any(t.match(r.urn) for t in targets)}
    registries = [
        r
        for r in plan.resources
        if r.type in ("aws:ecr/repository:Repository", "gcp:artifactregistry/repository:Repository")
    ]
    assert len(registries) == 2
    by_urn = plan.by_urn()
    for registry in registries:
        chain = [registry.urn]
        while by_urn[chain[-1]].parent and by_urn[by_urn[chain[-1]].parent].type != "pulumi:pulumi:Stack":
            chain.append(by_urn[chain[-1]].parent)
        missing = [urn for urn in chain if urn not in targeted]
        assert not missing, missing  # an untargeted new parent would stop the run
    for urn in targeted:  # a dependency left out would be "created but not specified in the target list"
        assert set(by_urn[urn].dependencies) <= targeted, urn
    assert not any(r.type.startswith(("kubernetes:", "aws:eks/")) for r in plan.resources if r.urn in targeted)
