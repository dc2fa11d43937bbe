"""A mock resource monitor that records every registration the way the engine receives it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format
from pulumi.runtime.mocks import MockMonitor

# Signatures of Pulumi's wire format (sdk/python/lib/pulumi/runtime/rpc.py).
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
_OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
_UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SECRET = "[secret]"
UNKNOWN = "[unknown]"


@dataclass
class Registration:
    """One resource registration as the engine (and a policy pack) would see it."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    protect: bool
    retain_on_delete: bool
    provider: str | None
    dependencies: list[str]
    ignore_changes: list[str]
    inputs: dict[str, Any]
    # Which dependencies each input property came from (the engine's `propertyDependencies`).
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    # What the mocks answered (ids, ARNs), or what a component registered as its outputs: known offline
    # only, so not part of the plan JSON.
    outputs: dict[str, Any] = field(default_factory=dict, repr=False)


def wire_to_plain(value: Any) -> Any:
    """Turn a wire value into plain JSON: secrets masked, references by URN, whole floats as ints."""
    if isinstance(value, dict):
        signature = value.get(_SIG_KEY)
        if signature == _SECRET_SIG:
            return SECRET
        if signature == _RESOURCE_SIG:
            return value.get("urn")
        if signature == _OUTPUT_SIG:
            if value.get("secret"):
                return SECRET
            return wire_to_plain(value["value"]) if "value" in value else UNKNOWN
        return {key: wire_to_plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [wire_to_plain(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == _UNKNOWN:
        return UNKNOWN
    return value


class RecordingMonitor(MockMonitor):
    """MockMonitor that keeps parent, protect, provider and dependencies, which mocks never see."""

    def __init__(self, mocks: Any):
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        self.registrations.append(
            Registration(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                custom=bool(request.custom),
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
                provider=request.provider or None,
                dependencies=list(request.dependencies),
                ignore_changes=list(request.ignoreChanges),
                inputs=wire_to_plain(json_format.MessageToDict(request.object)),
                property_dependencies={
                    key: list(value.urns) for key, value in request.propertyDependencies.items() if value.urns
                },
                outputs={"id": response.id, **wire_to_plain(json_format.MessageToDict(response.object))}
                if response.id
                else {},
            )
        )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        """A component's (or the stack's) registered outputs: what the engine keeps as its final properties."""
        for registration in reversed(self.registrations):
            if registration.urn == request.urn:
                registration.outputs = wire_to_plain(json_format.MessageToDict(request.outputs))
                break
        return super().RegisterResourceOutputs(request)
