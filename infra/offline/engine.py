"""What the Pulumi engine sends a policy pack, built from a captured plan.

Read in pulumi/pulumi at 1b5949891b3cefcb9974752b24a5ecef0acc86c8:
- pkg/resource/deploy/step_generator.go: every registered resource (the Stack, components, providers,
  custom resources) is analyzed with its inputs (`analyzeAll`); `AnalyzeResources` then sends every
  resource of the stack with its final outputs, parent, dependencies and propertyDependencies, and its
  provider reference `URN::ID` resolved to the provider's own inputs.
- pkg/resource/plugin/analyzer_plugin.go: properties are marshalled keeping unknowns and secrets.
- pkg/resource/analyzer/config.go `ReconcilePolicyPackConfig`: every policy gets its schema's defaults
  and its own enforcement level, then the config file is applied (`all` first, then each policy, whose
  `enforcementLevel` key overrides the level), then each policy's properties are validated against
  its schema; any error stops the run.
Not reproduced: default providers (the SDK under mocks registers none; the engine would send the default
provider's inputs) and remediations (the pack declares none; `reconcile_config` refuses one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from infra.offline.monitor import SECRET, UNKNOWN, Registration

# Pulumi's wire format (sdk/python/lib/pulumi/runtime/rpc.py; pulumi_policy/deserialize.py).
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

LEVELS = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}


class PackConfigError(ValueError):
    """The pack's config does not match its policies' schemas (the engine refuses to run)."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("\n".join(lines))


def _wire(value: Any) -> Any:
    """A plan value as the engine marshals it: masked secrets as secrets, unknowns as the unknown sentinel."""
    if value == SECRET:
        return {_SIG_KEY: _SECRET_SIG, "value": SECRET}
    if value == UNKNOWN:
        return _UNKNOWN_STRING
    if isinstance(value, dict):
        return {key: _wire(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_wire(item) for item in value]
    return value


def _struct(properties: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    json_format.ParseDict(_wire(dict(properties)), struct)
    return struct


def _options(registration: Registration) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(
        protect=registration.protect,
        ignoreChanges=registration.ignore_changes,
        parent=registration.parent or "",
    )


class EngineView:
    """The engine's requests for one plan: providers resolved once, then one request per resource."""

    def __init__(self, registrations: list[Registration]):
        self.registrations = registrations
        self._providers = {r.urn: r for r in registrations if r.type.startswith("pulumi:providers:")}

    def _provider(self, reference: str | None) -> analyzer_pb2.AnalyzerProviderResource | None:
        provider = self._providers.get(reference.rsplit("::", 1)[0]) if reference else None
        if provider is None:
            return None
        return analyzer_pb2.AnalyzerProviderResource(
            type=provider.type, properties=_struct(provider.inputs), urn=provider.urn, name=provider.name
        )

    def analyze_requests(self) -> list[analyzer_pb2.AnalyzeRequest]:
        """One Analyze request per registered resource, with its inputs, in registration order."""
        return [
            analyzer_pb2.AnalyzeRequest(
                type=r.type,
                properties=_struct(r.inputs),
                urn=r.urn,
                name=r.name,
                options=_options(r),
                provider=self._provider(r.provider),
            )
            for r in self.registrations
        ]

    def stack_resources(self) -> list[analyzer_pb2.AnalyzerResource]:
        """Every resource with its final properties (outputs where the run produced them), as AnalyzeStack gets them."""
        return [
            analyzer_pb2.AnalyzerResource(
                type=r.type,
                properties=_struct(r.outputs or r.inputs),
                urn=r.urn,
                name=r.name,
                options=_options(r),
                provider=self._provider(r.provider),
                parent=r.parent or "",
                dependencies=r.dependencies,
                propertyDependencies={
                    key: analyzer_pb2.AnalyzerPropertyDependencies(urns=urns)
                    for key, urns in r.property_dependencies.items()
                },
            )
            for r in self.registrations
        ]


def _file_entries(config: Mapping[str, Any]) -> dict[str, tuple[str | None, dict[str, Any]]]:
    """A pack config file's entries as (enforcement level or None, properties) (`parsePolicyPackConfig`)."""
    entries: dict[str, tuple[str | None, dict[str, Any]]] = {}
    for name, value in config.items():
        properties = {} if isinstance(value, str) else dict(value)
        level = value if isinstance(value, str) else properties.pop("enforcementLevel", None)
        if level is not None and level not in LEVELS:
            raise PackConfigError([f"{name}: {level!r} is not a valid enforcement level ({', '.join(LEVELS)})"])
        entries[name] = (level, properties)
    return entries


def reconcile_config(info: analyzer_pb2.AnalyzerInfo, config: Mapping[str, Any]) -> dict[str, tuple[int, dict]]:
    """Each policy's (proto enforcement level, properties) as the engine passes them to Configure."""
    result: dict[str, tuple[int, dict[str, Any]]] = {}
    schemas: dict[str, dict[str, Any]] = {}
    for policy in info.policies:
        if policy.enforcementLevel == analyzer_pb2.REMEDIATE:
            raise PackConfigError([f"{policy.name}: remediations are not reproduced offline"])
        schema = json_format.MessageToDict(policy.configSchema)
        schemas[policy.name] = {"type": "object", **schema}
        defaults = {key: spec["default"] for key, spec in schema.get("properties", {}).items() if "default" in spec}
        result[policy.name] = (policy.enforcementLevel, defaults)
    entries = _file_entries(config)
    all_level = entries.pop("all", (None, {}))[0]
    if all_level is not None:
        result = {name: (LEVELS[all_level], properties) for name, (_, properties) in result.items()}
    for name, (level, properties) in entries.items():
        current_level, current = result.get(name, (analyzer_pb2.ADVISORY, {}))
        result[name] = (LEVELS[level] if level else current_level, {**current, **properties})
    problems = [
        f"{name}: {error.message}"
        for name, schema in schemas.items()
        for error in jsonschema.Draft7Validator(schema).iter_errors(result[name][1])
    ]
    if problems:
        raise PackConfigError(sorted(problems))
    return result
