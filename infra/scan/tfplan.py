"""The offline plan as Terraform plan JSON (`terraform show -json`), the subset plan scanners read.

Documented at https://developer.hashicorp.com/terraform/internals/json-format: `format_version`,
`terraform_version`, `planned_values.root_module.resources[]` (address, mode, type, name, provider_name,
values), `resource_changes[]` (address, change.actions/before/after/after_unknown) and
`configuration.root_module.resources[].expressions` whose `references` name the resources an argument comes
from. checkov joins side resources (a bucket's versioning, public access block, logging) to their bucket
through those references (checkov/terraform/plan_parser.py, `_add_references`), so they are filled from the
engine's property dependencies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from infra.offline.plan import Plan
from infra.scan.terraform_names import PROVIDERS, snake_case, terraform_type, terraform_values

FORMAT_VERSION = "1.2"
TERRAFORM_VERSION = "1.9.8"
_NOT_IN_NAME = re.compile(r"[^A-Za-z0-9_-]")


@dataclass
class TerraformPlan:
    """The plan document, and which Pulumi URN each Terraform address stands for."""

    document: dict[str, Any]
    urns: dict[str, str] = field(default_factory=dict)


def _address_names(plan: Plan) -> dict[str, str]:
    """A unique Terraform address (`type.name`) for every bridged resource, from its Pulumi name."""
    addresses: dict[str, str] = {}
    taken: set[str] = set()
    for resource in plan.resources:
        tf_type = terraform_type(resource.type) if resource.custom else None
        if tf_type is None:
            continue
        name = _NOT_IN_NAME.sub("_", resource.name)
        name = name if name[:1].isalpha() or name[:1] == "_" else f"_{name}"
        address, suffix = f"{tf_type}.{name}", 2
        while address in taken:
            address, suffix = f"{tf_type}.{name}_{suffix}", suffix + 1
        taken.add(address)
        addresses[resource.urn] = address
    return addresses


def to_terraform_plan(plan: Plan) -> TerraformPlan:
    """Every AWS and Google Cloud resource of the plan as a resource Terraform would create."""
    addresses = _address_names(plan)
    planned, changes, configured = [], [], []
    for resource in plan.resources:
        address = addresses.get(resource.urn)
        if address is None:
            continue
        tf_type, name = address.split(".", 1)
        provider_name = f"registry.terraform.io/hashicorp/{PROVIDERS[resource.type.split(':')[0]][0]}"
        values = terraform_values(resource.type, resource.inputs)
        common = {"address": address, "mode": "managed", "type": tf_type, "name": name, "provider_name": provider_name}
        planned.append({**common, "schema_version": 0, "values": values})
        changes.append(
            {**common, "change": {"actions": ["create"], "before": None, "after": values, "after_unknown": {}}}
        )
        expressions = {
            snake_case(key): {"references": [ref for urn in urns if urn in addresses for ref in _refs(addresses[urn])]}
            for key, urns in resource.property_dependencies.items()
            if any(urn in addresses for urn in urns)
        }
        configured.append(
            {"address": address, "mode": "managed", "type": tf_type, "name": name, "expressions": expressions}
        )
    document = {
        "format_version": FORMAT_VERSION,
        "terraform_version": TERRAFORM_VERSION,
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": {"root_module": {"resources": configured}},
    }
    return TerraformPlan(document, {address: urn for urn, address in addresses.items()})


def _refs(address: str) -> list[str]:
    """How Terraform lists a reference to another resource's id: the attribute, then the resource."""
    return [f"{address}.id", address]
