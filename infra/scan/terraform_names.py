"""Terraform names of Pulumi's bridged AWS and Google Cloud resources and of their input properties.

pulumi-aws and pulumi-gcp are generated from the Terraform providers by pulumi-terraform-bridge, which names
things by fixed rules (pulumi/pulumi-terraform `pkg/tfbridge/names.go`, `PulumiToTerraformName` and
`TerraformToPulumiName`; pulumi-aws/pulumi-gcp `provider/resources.go` for the module of each resource):

- a resource `<provider>_<module>_<name>` becomes `<provider>:<module>/<camelName>:<PascalName>`, except that
  a few modules drop or rename their prefix (`aws_vpc` lives in `ec2`, `google_project_*` in `projects`);
- a property `snake_case` becomes `camelCase`; a list of blocks with a singular name and more than one
  allowed item is pluralised (`rule` -> `rules`), and a block list with `MaxItems: 1` is flattened into one
  object (pulumi/pulumi-terraform#37), which the Terraform plan JSON keeps as a list of one block.

The reverse mapping below follows those rules, reading map-typed and nested-block properties from the
Python SDK's own `*Args` classes (their type hints come from the same bridged schema), with tables for the
exceptions the rules cannot tell (prefix changes and pluralised block names of the resources we use).
"""

from __future__ import annotations

import importlib
import re
from typing import Any

PROVIDERS = {"aws": ("aws", "pulumi_aws"), "gcp": ("google", "pulumi_gcp")}

# Terraform types whose name is not `<provider>_<module>_<snake name>` (pulumi-aws/pulumi-gcp resources.go).
TYPE_EXCEPTIONS = {
    "aws:ec2/vpc:Vpc": "aws_vpc",
    "aws:ec2/subnet:Subnet": "aws_subnet",
    "aws:ec2/eip:Eip": "aws_eip",
    "aws:ec2/flowLog:FlowLog": "aws_flow_log",
    "aws:ec2/internetGateway:InternetGateway": "aws_internet_gateway",
    "aws:ec2/natGateway:NatGateway": "aws_nat_gateway",
    "aws:ec2/launchTemplate:LaunchTemplate": "aws_launch_template",
    "aws:ec2/routeTable:RouteTable": "aws_route_table",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "aws_route_table_association",
    "aws:ec2/securityGroup:SecurityGroup": "aws_security_group",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "aws_default_security_group",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": "aws_iam_openid_connect_provider",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "aws_s3_bucket_replication_configuration",
    "gcp:artifactregistry/repository:Repository": "google_artifact_registry_repository",
    "gcp:projects/iAMMember:IAMMember": "google_project_iam_member",
    "gcp:projects/service:Service": "google_project_service",
    "gcp:projects/serviceIdentity:ServiceIdentity": "google_project_service_identity",
    "gcp:serviceaccount/account:Account": "google_service_account",
    "gcp:serviceaccount/iAMMember:IAMMember": "google_service_account_iam_member",
}

# Lists the bridge pluralised (their Terraform name is singular), per Terraform type, at any depth: every
# list-valued property in the prod plan was reviewed against the Terraform resource docs.
PLURALISED: dict[str, dict[str, str]] = {
    "aws_ecr_repository": {"encryption_configurations": "encryption_configuration"},
    "aws_elasticache_parameter_group": {"parameters": "parameter"},
    "aws_iam_openid_connect_provider": {"client_id_lists": "client_id_list"},
    "google_container_cluster": {"taints": "taint", "guest_accelerators": "guest_accelerator"},
    "google_container_node_pool": {"taints": "taint", "guest_accelerators": "guest_accelerator"},
    "google_redis_instance": {"weekly_maintenance_windows": "weekly_maintenance_window"},
    "aws_s3_bucket_lifecycle_configuration": {
        "rules": "rule",
        "transitions": "transition",
        "noncurrent_version_transitions": "noncurrent_version_transition",
    },
    "aws_s3_bucket_replication_configuration": {"rules": "rule"},
    "aws_s3_bucket_server_side_encryption_configuration": {"rules": "rule"},
    "aws_s3_bucket_ownership_controls": {"rules": "rule"},
    "aws_eks_node_group": {"taints": "taint"},
    "aws_route53_record": {
        "aliases": "alias",
        "failover_routing_policies": "failover_routing_policy",
        "latency_routing_policies": "latency_routing_policy",
        "geolocation_routing_policies": "geolocation_routing_policy",
        "weighted_routing_policies": "weighted_routing_policy",
    },
    "aws_route_table": {"routes": "route"},
    "google_compute_firewall": {"allows": "allow", "denies": "deny"},
    "google_compute_router_nat": {"subnetworks": "subnetwork"},
    "google_compute_subnetwork": {"secondary_ip_ranges": "secondary_ip_range"},
    "google_storage_bucket": {"lifecycle_rules": "lifecycle_rule", "matches_storage_classes": "matches_storage_class"},
}

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_ARGS_CLASS = re.compile(r"ForwardRef\('(\w+Args)'\)")


def snake_case(name: str) -> str:
    """`enableKeyRotation` -> `enable_key_rotation`, `iAMMember` -> `iam_member`."""
    return _CAMEL_BOUNDARY.sub("_", name).lower().replace("i_am_", "iam_")


def terraform_type(token: str) -> str | None:
    """The Terraform resource type of a bridged Pulumi type token, or None for other providers."""
    package, _, rest = token.partition(":")
    if package not in PROVIDERS or "/" not in rest:
        return None
    if token in TYPE_EXCEPTIONS:
        return TYPE_EXCEPTIONS[token]
    module, _, name = rest.partition("/")
    prefix = PROVIDERS[package][0]
    parts = [prefix] if module == "index" else [prefix, module]
    return "_".join([*parts, snake_case(name.split(":")[0])])


def _args_class(token: str) -> type | None:
    """The SDK's `<Resource>Args` class of a type token (`pulumi_aws.kms.KeyArgs`)."""
    package, _, rest = token.partition(":")
    module, _, name = rest.partition(":")
    python_module = f"{PROVIDERS[package][1]}.{module.split('/')[0]}"
    try:
        return getattr(importlib.import_module(python_module), f"{name}Args", None)
    except ImportError:
        return None


def _property_hints(args_class: type | None) -> dict[str, str]:
    annotations = getattr(vars(args_class).get("__init__"), "__annotations__", {}) if args_class else {}
    return {name: str(hint) for name, hint in annotations.items()}


def terraform_values(token: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """The resource's inputs as Terraform plan `values`: snake_case names, nested blocks as lists of blocks,
    map attributes (tags, labels) kept as maps with their keys untouched."""
    tf_type = terraform_type(token) or ""
    args_class = _args_class(token)
    return _convert(inputs, args_class, PLURALISED.get(tf_type, {}))


def _convert(values: dict[str, Any], args_class: type | None, singular: dict[str, str]) -> dict[str, Any]:
    hints = _property_hints(args_class)
    module = importlib.import_module(args_class.__module__) if args_class else None
    converted: dict[str, Any] = {}
    for key, value in values.items():
        name = snake_case(key)
        hint = hints.get(name, "")
        tf_name = singular.get(name, name)
        if hint.startswith("typing.Union[typing.Mapping") or not isinstance(value, dict | list):
            converted[tf_name] = value
            continue
        nested = _ARGS_CLASS.search(hint)
        nested_class = getattr(module, nested.group(1), None) if nested and module else None
        if isinstance(value, dict):
            converted[tf_name] = [_convert(value, nested_class, singular)]
        else:
            converted[tf_name] = [
                _convert(item, nested_class, singular) if isinstance(item, dict) else item for item in value
            ]
    return converted
