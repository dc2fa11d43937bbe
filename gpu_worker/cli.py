"""`python -m gpu_worker`: process a folder, serve the queue, enqueue jobs, serve the jobs API, reconcile, benchmark.

Exit codes: 0 success, 2 bad usage (one line saying why), 3 some photos failed (folder mode).
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_USAGE, EXIT_SOME_FAILED = 0, 2, 3


class UsageError(Exception):
    """Arguments that parse but do not make sense together (exit 2)."""


class PortPurpose(StrEnum):
    """What a port that a command listens on is for."""

    API = "api"  # the jobs API
    HEALTH = "health"  # /healthz and /readyz
    METRICS = "metrics"  # /metrics, for Prometheus


def served_ports(args: argparse.Namespace) -> dict[PortPurpose, int]:
    """The ports the parsed command listens on, by purpose: its handler binds exactly these, and the
    plan's probes, container ports, Services and ServiceMonitors must name only these (tests check both).
    """
    if args.command == "api":
        if args.metrics_port == args.port:
            raise UsageError(f"--metrics-port must differ from --port (both are {args.port})")
        return {PortPurpose.API: args.port, PortPurpose.HEALTH: args.port, PortPurpose.METRICS: args.metrics_port}
    if args.command == "serve" and args.health_port:
        return {PortPurpose.HEALTH: args.health_port, PortPurpose.METRICS: args.health_port}
    return {}


def _port(text: str, allow_off: bool = False) -> int:
    lowest = 0 if allow_off else 1
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not lowest <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a TCP port {lowest}-65535 (got {text!r})")
    return port


def _port_or_off(text: str) -> int:
    return _port(text, allow_off=True)


def _long_edges(text: str) -> tuple[int, ...]:
    try:
        edges = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated pixel sizes, e.g. 2048,1024,400 (got {text!r})"
        ) from None
    if not edges or min(edges) < 16:
        raise argparse.ArgumentTypeError(f"long edges must be at least 16 px (got {text!r})")
    return edges


def _add_pipeline_options(parser: argparse.ArgumentParser) -> None:
    from gpu_worker.formats import DEFAULT_MAX_MEGAPIXELS

    parser.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto", help="array device (default: auto)")
    parser.add_argument(
        "--max-megapixels",
        type=float,
        default=DEFAULT_MAX_MEGAPIXELS,
        help=f"refuse larger photos, read from the header before decoding (default {DEFAULT_MAX_MEGAPIXELS:g})",
    )
    parser.add_argument("--long-edges", type=_long_edges, default=(2048, 1024, 400), help="variant sizes besides full")
    parser.add_argument("--quality", type=int, default=90, choices=range(50, 101), metavar="50-100")
    parser.add_argument("--exposure", type=float, default=0.0, help="exposure compensation in stops")
    parser.add_argument("--batch-size", type=int, default=8)


def _processor(args: argparse.Namespace) -> Any:
    from gpu_worker.device import DeviceError, select_device
    from gpu_worker.photo import Options
    from gpu_worker.process import BatchProcessor

    options = Options(long_edges=args.long_edges, quality=args.quality, exposure_stops=args.exposure)
    try:
        device = select_device(args.device)
    except DeviceError as exc:  # no GPU for --device gpu, or an unusable kernel cache directory
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None
    return BatchProcessor(device, options)


def _process(args: argparse.Namespace) -> int:
    from gpu_worker.folder import FolderError, process_folder

    if not args.in_dir.is_dir():
        raise UsageError(f"{args.in_dir} is not a folder")
    with _processor(args) as processor:
        try:
            summary = process_folder(args.in_dir, args.out_dir, processor, args.batch_size, args.max_megapixels)
        except FolderError as exc:
            raise UsageError(str(exc)) from None
    print(f"{summary.describe()} (device {processor.device.name})")
    return EXIT_SOME_FAILED if summary.failed else EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from gpu_worker.health import serve_health
    from gpu_worker.metrics import WorkerMetrics
    from gpu_worker.queue import Consumer, QueueSettings
    from gpu_worker.redis_client import connect
    from gpu_worker.store import open_store

    settings = QueueSettings(
        stream=args.stream,
        group=args.group,
        batch_size=args.batch_size,
        max_deliveries=args.max_deliveries,
        claim_idle_seconds=args.claim_idle,
        heartbeat_seconds=args.heartbeat,
        retry_delay_seconds=args.retry_delay,
        batch_bytes=args.batch_bytes,
        max_megapixels=args.max_megapixels,
    )
    metrics = WorkerMetrics()
    health_port = served_ports(args).get(PortPurpose.HEALTH)  # /metrics is served beside /healthz
    with _processor(args) as processor:
        metrics.report_device(processor.device)
        consumer = Consumer(connect(args.redis), open_store(args.store), processor, settings, metrics)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: consumer.stop())
        if health_port:  # bound before the first job: a taken port is exit 2, not a worker without probes
            serve_health("0.0.0.0", health_port, consumer, metrics, stall_seconds=args.claim_idle)
        logging.info("consuming %s as %s in group %s", settings.stream, settings.consumer, settings.group)
        consumer.run()
    logging.info("stopped after finishing the current batch")
    return EXIT_OK


def _enqueue(args: argparse.Namespace) -> int:
    """Operators' submission: each key is `<tenant>/...`, accepted into the ledger and enqueued, as the API does."""
    from gpu_worker.jobs import Job
    from gpu_worker.ledger import Ledger, submit
    from gpu_worker.redis_client import connect
    from gpu_worker.store import open_store

    client, ledger = connect(args.redis), Ledger(open_store(args.store))
    for key in args.keys:
        if "/" not in key:
            raise UsageError(f"key {key!r} names no tenant: keys are <tenant>/...")
        job = Job.new(key.split("/", 1)[0], key)
        submit(ledger, client, args.stream, job)
        print(job.id)
    return EXIT_OK


def _bench(args: argparse.Namespace) -> int:
    from gpu_worker.bench import run_benchmark

    print(run_benchmark(megapixels=args.megapixels, repeats=args.repeats, device_choice=args.device))
    return EXIT_OK


class _StrictParser(argparse.ArgumentParser):
    """Flags spelt out in full (its sub-commands inherit this): `--metrics 8080` is an error, not `--metrics-port`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    from gpu_worker.api.commands import add_api_commands
    from gpu_worker.jobs import DEFAULT_GROUP, DEFAULT_STREAM

    parser = _StrictParser(prog="python -m gpu_worker", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    process = commands.add_parser("process", help="process every photo under IN_DIR into OUT_DIR")
    process.add_argument("in_dir", type=Path)
    process.add_argument("out_dir", type=Path)
    _add_pipeline_options(process)
    process.set_defaults(handler=_process)

    def queue_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--redis", required=True, help="redis:// or rediss:// URL (REDIS_PASSWORD, REDIS_CA_FILE)")
        sub.add_argument("--stream", default=DEFAULT_STREAM)

    serve = commands.add_parser("serve", help="consume jobs from the Redis stream")
    queue_options(serve)
    serve.add_argument("--store", default="file:///data", help="file:///path, s3://bucket/prefix or gs://bucket/prefix")
    serve.add_argument("--group", default=DEFAULT_GROUP)
    serve.add_argument("--max-deliveries", type=int, default=5)
    serve.add_argument("--claim-idle", type=float, default=120.0, help="seconds before a dead worker's jobs are taken")
    serve.add_argument("--heartbeat", type=float, default=15.0, help="seconds between claim refreshes")
    serve.add_argument(
        "--retry-delay", type=float, default=5.0, help="seconds before a failed job's first retry (doubled each time)"
    )
    serve.add_argument(
        "--batch-bytes",
        type=int,
        default=2 * 1024**3,
        help="estimated working memory of the photos processed at once (default 2 GiB)",
    )
    serve.add_argument(
        "--health-port", type=_port_or_off, default=8080, help="port of /healthz, /readyz, /metrics (0: off)"
    )
    _add_pipeline_options(serve)
    serve.set_defaults(handler=_serve)

    enqueue = commands.add_parser("enqueue", help="submit store keys (<tenant>/...) as jobs, as the API does")
    queue_options(enqueue)
    enqueue.add_argument("--store", required=True, help="the store holding the ledger (the API's --store)")
    enqueue.add_argument("keys", nargs="+")
    enqueue.set_defaults(handler=_enqueue)

    add_api_commands(commands, queue_options, _port)

    bench = commands.add_parser("bench", help="measure the pipeline against libvips and LibRaw")
    bench.add_argument("--megapixels", type=lambda t: tuple(int(x) for x in t.split(",")), default=(24, 50))
    bench.add_argument("--repeats", type=int, default=3)
    bench.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto")
    bench.set_defaults(handler=_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from gpu_worker.api.commands import MissingSettings
    from gpu_worker.serving import PortInUse

    args = build_parser().parse_args(argv)
    try:
        served_ports(args)  # two ports the same is a usage error before anything starts
        return args.handler(args)
    except (UsageError, MissingSettings, PortInUse) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
