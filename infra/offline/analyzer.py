"""The policy pack as the Pulumi CLI runs it: a child process spoken to over gRPC with Pulumi's analyzer protos.

Read in pulumi/pulumi at 1b5949891b3cefcb9974752b24a5ecef0acc86c8:
- sdk/python/cmd/pulumi-language-python/main.go `RunPlugin`: a Python policy pack runs as
  `python -u -m pulumi.policy <engine address> <pack folder>` with the pack folder as working directory;
- pkg/resource/plugin/analyzer_plugin.go: the engine reads the port the pack prints, then calls
  ConfigureStack, GetAnalyzerInfo, Configure (pkg/engine/update.go, after reconciling the config),
  Analyze per registered resource and AnalyzeStack once at the end.
`pulumi/policy/__main__.py` never dials the engine address (it only configures project and stack from
PULUMI_* variables), and the policies log nothing, so no Engine service is needed to answer it.
"""

from __future__ import annotations

import selectors
import subprocess
import sys
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import grpc  # type: ignore[import-untyped]  # grpcio ships no type information
from google.protobuf import empty_pb2, json_format
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

import policies

PACK_DIR = Path(policies.__file__).resolve().parent
# What the CLI passes as the engine's address; see the module docstring for why nothing listens there.
ENGINE_ADDRESS = "127.0.0.1:0"
_START_TIMEOUT_S = 60.0
_MAX_MESSAGE = 400 * 1024 * 1024  # the pack's own limit (pulumi_policy/policy.py _MAX_RPC_MESSAGE_SIZE)


class PackStartError(RuntimeError):
    """The pack did not start; the message carries what it wrote to stderr."""


class PolicyPackProcess:
    """A running policy pack and a gRPC stub to it (a context manager: the process ends on exit)."""

    def __init__(self, pack_dir: Path = PACK_DIR, python: str = sys.executable):
        self.pack_dir = pack_dir
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self._process = subprocess.Popen(
            [python, "-u", "-m", "pulumi.policy", ENGINE_ADDRESS, "."],
            cwd=pack_dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        try:
            port = self._read_port()
            options = [
                ("grpc.max_receive_message_length", _MAX_MESSAGE),
                ("grpc.max_send_message_length", _MAX_MESSAGE),
            ]
            self._channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=options)
            grpc.channel_ready_future(self._channel).result(timeout=_START_TIMEOUT_S)
        except BaseException:
            self.close()
            raise
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)

    def _read_port(self) -> int:
        """The first line the pack prints is its port (pulumi_policy/policy.py `PolicyPack.__init__`)."""
        assert self._process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout=_START_TIMEOUT_S):
                raise PackStartError(f"the policy pack printed no port within {_START_TIMEOUT_S:.0f}s")
        line = self._process.stdout.readline().decode().strip()
        if not line.isdigit():
            self._process.wait(timeout=10)
            raise PackStartError(f"the policy pack did not start (printed {line!r}):\n{self.stderr_text()}")
        return int(line)

    def stderr_text(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def info(self) -> analyzer_pb2.AnalyzerInfo:
        return self.stub.GetAnalyzerInfo(empty_pb2.Empty())

    def configure_stack(self, project: str, stack: str, *, dry_run: bool) -> None:
        self.stub.ConfigureStack(
            analyzer_pb2.AnalyzerStackConfigureRequest(project=project, stack=stack, dry_run=dry_run)
        )

    def configure(self, policy_config: dict[str, tuple[int, dict[str, Any]]]) -> None:
        """Configure with each policy's (proto enforcement level, properties), as `analyzer.Configure` sends it."""
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, (level, properties) in policy_config.items():
            entry = request.policyConfig[name]
            entry.enforcementLevel = level
            json_format.ParseDict(properties, entry.properties)
        self.stub.Configure(request)

    def analyze(self, request: analyzer_pb2.AnalyzeRequest) -> analyzer_pb2.AnalyzeResponse:
        return self.stub.Analyze(request)

    def analyze_stack(self, resources: list[analyzer_pb2.AnalyzerResource]) -> analyzer_pb2.AnalyzeResponse:
        return self.stub.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=resources))

    def close(self) -> None:
        channel = getattr(self, "_channel", None)
        if channel is not None:
            channel.close()
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._stderr.close()

    def __enter__(self) -> PolicyPackProcess:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
