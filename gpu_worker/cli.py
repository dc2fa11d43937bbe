"""`python -m gpu_worker`: process a folder, serve the queue, enqueue jobs, serve the jobs API, benchmark.

Exit codes: 0 success, 2 bad usage, 3 some photos failed (folder mode).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_USAGE, EXIT_SOME_FAILED = 0, 2, 3


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
    parser.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto", help="array device (default: auto)")
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


def _redis(args: argparse.Namespace) -> Any:
    import redis

    extra = {}
    if args.redis.startswith("rediss://") and os.environ.get("REDIS_CA_FILE"):
        extra["ssl_ca_certs"] = os.environ["REDIS_CA_FILE"]
    password = os.environ.get("REDIS_PASSWORD")
    if password:
        extra["password"] = password
    return redis.Redis.from_url(args.redis, decode_responses=True, socket_timeout=30, **extra)


def _process(args: argparse.Namespace) -> int:
    from gpu_worker.folder import process_folder

    if not args.in_dir.is_dir():
        print(f"error: {args.in_dir} is not a folder", file=sys.stderr)
        return EXIT_USAGE
    with _processor(args) as processor:
        summary = process_folder(args.in_dir, args.out_dir, processor, args.batch_size)
    print(
        f"{summary.processed} photos processed, {summary.skipped} already done, {summary.failed} failed "
        f"in {summary.seconds:.1f}s ({summary.photos_per_second:.2f} photos/s, device {processor.device.name})"
    )
    return EXIT_SOME_FAILED if summary.failed else EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from gpu_worker.health import serve_health
    from gpu_worker.metrics import WorkerMetrics
    from gpu_worker.queue import Consumer, QueueSettings
    from gpu_worker.store import open_store

    settings = QueueSettings(
        stream=args.stream,
        group=args.group,
        batch_size=args.batch_size,
        max_deliveries=args.max_deliveries,
        claim_idle_seconds=args.claim_idle,
        heartbeat_seconds=args.heartbeat,
        retry_delay_seconds=args.retry_delay,
    )
    metrics = WorkerMetrics()
    with _processor(args) as processor:
        metrics.report_device(processor.device)
        consumer = Consumer(_redis(args), open_store(args.store), processor, settings, metrics)
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: consumer.stop())
        if args.health_port:
            serve_health("0.0.0.0", args.health_port, consumer, metrics, stall_seconds=args.claim_idle)
        logging.info("consuming %s as %s in group %s", settings.stream, settings.consumer, settings.group)
        consumer.run()
    logging.info("stopped after finishing the current batch")
    return EXIT_OK


def _enqueue(args: argparse.Namespace) -> int:
    from gpu_worker.jobs import enqueue

    client = _redis(args)
    for key in args.keys:
        stem = key.rsplit(".", 1)[0]
        print(enqueue(client, args.stream, key, f"{args.output_prefix.rstrip('/')}/{stem}"))
    return EXIT_OK


def _api(args: argparse.Namespace) -> int:
    from gpu_worker.api import serve_api

    server = serve_api("0.0.0.0", args.port, _redis(args), args.stream)
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    logging.info("jobs API on port %d", args.port)
    stopped.wait()
    server.shutdown()
    return EXIT_OK


def _bench(args: argparse.Namespace) -> int:
    from gpu_worker.bench import run_benchmark

    print(run_benchmark(megapixels=args.megapixels, repeats=args.repeats, device_choice=args.device))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    from gpu_worker.jobs import DEFAULT_GROUP, DEFAULT_STREAM

    parser = argparse.ArgumentParser(prog="python -m gpu_worker", description=__doc__.split("\n")[0])
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
    serve.add_argument("--retry-delay", type=float, default=5.0, help="seconds before a failed job is retried")
    serve.add_argument("--health-port", type=int, default=8080, help="port of /healthz, /readyz, /metrics (0: off)")
    _add_pipeline_options(serve)
    serve.set_defaults(handler=_serve)

    enqueue = commands.add_parser("enqueue", help="submit store keys as jobs")
    queue_options(enqueue)
    enqueue.add_argument("--output-prefix", default="variants")
    enqueue.add_argument("keys", nargs="+")
    enqueue.set_defaults(handler=_enqueue)

    api = commands.add_parser("api", help="serve the jobs API")
    queue_options(api)
    api.add_argument("--port", type=int, default=8000)
    api.add_argument("--metrics-port", type=int, default=8080, help="port of /metrics")
    api.set_defaults(handler=_api)

    bench = commands.add_parser("bench", help="measure the pipeline against libvips and LibRaw")
    bench.add_argument("--megapixels", type=lambda t: tuple(int(x) for x in t.split(",")), default=(24, 50))
    bench.add_argument("--repeats", type=int, default=3)
    bench.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto")
    bench.set_defaults(handler=_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return args.handler(args)
