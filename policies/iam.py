"""Least privilege in inline IAM policies: an action that takes a resource type is never granted on "*".

Only the EKS actions are listed here: they all take a cluster, node group or add-on ARN (AWS service
authorization reference, list_amazonelastickubernetesservice.html), so "*" is never needed; actions without
resource types (autoscaling:Describe*, ec2:Describe*) must stay on "*" and are not judged.
"""

from __future__ import annotations

import json

from pulumi_policy import ResourceValidationArgs, Severity

from policies.build import Report, resource_policy
from policies.resources import get

ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
SCOPED_SERVICES = ("eks:",)


def _wildcard_grants(args: ResourceValidationArgs, report: Report) -> None:
    document = get(args.props, "policy")
    if args.resource_type != ROLE_POLICY or not isinstance(document, str):
        return
    for statement in json.loads(document).get("Statement", []):
        actions = statement.get("Action", [])
        resources = statement.get("Resource", [])
        actions = [actions] if isinstance(actions, str) else actions
        resources = [resources] if isinstance(resources, str) else resources
        scoped = [a for a in actions if a.startswith(SCOPED_SERVICES)]
        if statement.get("Effect") == "Allow" and scoped and "*" in resources:
            report(f"{', '.join(scoped)} granted on every resource; name the ARNs (e.g. the cluster's node groups)")


POLICIES = [
    resource_policy(
        "iam-scoped-resources",
        "Inline IAM policies grant EKS actions on named ARNs, never on *.",
        _wildcard_grants,
        "Scope the statement's Resource (foundation.audit.eks_node_group_arns for eks:DescribeNodegroup).",
        severity=Severity.HIGH,
    ),
]
