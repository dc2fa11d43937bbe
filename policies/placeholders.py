"""No placeholders applied: a deploy (`deploy: true` in the pack config) that would create or update a
resource holding an example account id, a reserved example domain or e-mail, or a documentation address
block is refused. Previews are not judged here: the offline preview prints a warning per config value."""

from __future__ import annotations

from pulumi_policy import Severity, StackValidationArgs

from foundation.placeholders import find_placeholders
from foundation.policy_settings import setting
from policies.build import Report, stack_policy

SHOWN_PER_RESOURCE = 3


def _no_placeholders(args: StackValidationArgs, report: Report) -> None:
    if not setting(args.get_config(), "deploy"):
        return
    for resource in args.resources:
        found = find_placeholders(resource.props)
        if found:
            shown = "; ".join(p.line() for p in found[:SHOWN_PER_RESOURCE])
            more = f" (and {len(found) - SHOWN_PER_RESOURCE} more)" if len(found) > SHOWN_PER_RESOURCE else ""
            report(f"would apply placeholder values: {shown}{more}", resource.urn)


POLICIES = [
    stack_policy(
        "no-placeholders",
        "A deploy never applies example account ids, example.com-style domains or e-mails, or documentation CIDRs.",
        _no_placeholders,
        "Replace the values `python -m infra preview` warns about in Pulumi.<stack>.yaml with the real ones.",
        severity=Severity.CRITICAL,
        settings=("deploy",),
    ),
]
