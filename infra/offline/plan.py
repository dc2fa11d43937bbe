"""Run the real stack program in-process under Pulumi's mocks and capture the plan."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import settings
from pulumi.runtime.stack import Stack, run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from foundation.config import PROJECT, PlatformConfig
from infra.offline.mocks import PlatformMocks
from infra.offline.monitor import SECRET, RecordingMonitor, Registration


@dataclass
class Plan:
    """Every registration of one program run, and the stack's outputs."""

    project: str
    stack: str
    resources: list[Registration]
    outputs: dict[str, Any] = field(default_factory=dict)

    def of_type(self, resource_type: str) -> list[Registration]:
        """The registrations of one type token, e.g. `aws:eks/nodeGroup:NodeGroup`."""
        return [r for r in self.resources if r.type == resource_type]

    def by_urn(self) -> dict[str, Registration]:
        return {r.urn: r for r in self.resources}

    def ancestor_of_type(self, resource: Registration, component_type: str) -> Registration | None:
        """The nearest parent (grand-parent, ...) of the given type."""
        index = self.by_urn()
        parent = index.get(resource.parent or "")
        while parent is not None and parent.type != component_type:
            parent = index.get(parent.parent or "")
        return parent

    def normalized(self) -> dict[str, dict[str, Any]]:
        """A reviewable form of the plan: each resource keyed by its URN without the stack prefix, with its
        parent, provider and dependencies by the same keys, options and inputs (secrets already masked).

        Independent of registration order, so only real changes to the infrastructure show up in a diff.
        """
        prefix = f"urn:pulumi:{self.stack}::{self.project}::"

        def short(urn: str) -> str:
            return urn.removeprefix(prefix)

        def provider(reference: str | None) -> str | None:  # `URN::ID`
            return short(reference.rsplit("::", 1)[0]) if reference else None

        return {
            short(r.urn): {
                "parent": short(r.parent) if r.parent else None,
                "provider": provider(r.provider),
                "protect": r.protect,
                "retain_on_delete": r.retain_on_delete,
                "dependencies": sorted(short(d) for d in r.dependencies),
                "ignore_changes": sorted(r.ignore_changes),
                "inputs": r.inputs,
            }
            for r in sorted(self.resources, key=lambda r: r.urn)
        }

    def to_json(self) -> dict[str, Any]:
        """The documented plan format: project, stack, resources (engine wire names), outputs."""
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [{k: v for k, v in dataclasses.asdict(r).items() if k != "outputs"} for r in self.resources],
            "outputs": self.outputs,
        }

    def write_json(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=2, sort_keys=False) + "\n")

    @classmethod
    def read_json(cls, path: Path) -> Plan:
        """A plan written by `write_json` (mock outputs are not part of the file)."""
        document = json.loads(path.read_text())
        resources = [Registration(**resource) for resource in document["resources"]]
        return cls(document["project"], document["stack"], resources, document.get("outputs", {}))


def run_program(platform: PlatformConfig, stack: str, stack_config: dict[str, Any]) -> Plan:
    """Run `infra.stack` exactly as `pulumi up` would, against mocks, and return what it registered.

    `stack_config` holds the config texts the CLI would hand the program for `Pulumi.<stack>.yaml`
    (`foundation.config.read_stack_config`); a test may pass plain objects instead, sent as JSON.
    """
    from infra.stack import main  # imported late: the program must see the mocks' settings

    account_id = platform.aws.account_id if platform.aws else "000000000000"
    return capture(main, stack, stack_config, account_id, deployer_session(platform))


def deployer_session(platform: PlatformConfig) -> str | None:
    """The caller identity of `pulumi up` as the CI runs it: a session of the cluster creator's role."""
    if platform.aws is None:
        return None
    role = platform.aws.cluster_creator_arn
    return f"arn:aws:sts::{platform.aws.account_id}:assumed-role/{role.rsplit('/', 1)[1]}/pulumi"


def capture(
    program: Callable[[], None],
    stack: str,
    stack_config: dict[str, Any],
    account_id: str,
    caller_arn: str | None = None,
    project: str = PROJECT,
) -> Plan:
    """Run any Pulumi program function (of this project, or another such as the bootstrap) under the mocks
    and a recording monitor, called by `caller_arn`."""
    mocks = PlatformMocks(aws_account_id=account_id, caller_arn=caller_arn)
    monitor = RecordingMonitor(mocks)
    settings.set_root_resource(None)  # type: ignore[arg-type]  # a fresh stack per run
    pulumi.runtime.set_all_config(
        {key: value if isinstance(value, str) else json.dumps(value) for key, value in stack_config.items()}
    )
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    try:
        _sync_await(run_pulumi_func(program))
    except BaseException:
        _drain_leftovers()  # a failed program must not leave tasks that run into the next one
        raise
    root = settings.get_root_resource()
    outputs = {name: _settle(value) for name, value in (root.outputs if isinstance(root, Stack) else {}).items()}
    return Plan(project, stack, monitor.registrations, outputs)


def _drain_leftovers() -> None:
    """Forget what a failed program left behind (pending tasks, failed RPCs and outputs), which the runtime
    would otherwise re-raise in the next program run in this process."""
    leftovers = [task for task in asyncio.all_tasks(asyncio.get_event_loop()) if not task.done()]
    for task in leftovers:
        task.cancel()
    if leftovers:
        _sync_await(asyncio.gather(*leftovers, return_exceptions=True))
    settings._get_rpc_manager().clear()
    settings.SETTINGS.outputs.clear()


def _settle(value: Any) -> Any:
    output = pulumi.Output.from_input(value)

    async def resolve() -> Any:
        if await output.is_secret():
            return SECRET
        return await output.future()

    return _sync_await(resolve())
