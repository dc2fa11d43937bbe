"""The `api` and `reconcile` commands of `python -m gpu_worker` (flags, and turning them into settings)."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from pydantic import ValidationError

from gpu_worker.api.settings import ApiSettings, AuthSettings

EXIT_OK = 0


class MissingSettings(Exception):
    """Flags the command cannot run without, or that do not fit together (the CLI exits 2)."""


def api_settings(args: argparse.Namespace) -> ApiSettings:
    """The API's settings from its flags; MissingSettings names what is missing or wrong."""
    missing = [
        flag
        for flag, value in (("--store", args.store), ("--issuer", args.issuer), ("--audience", args.audience))
        if not value
    ]
    if missing:
        raise MissingSettings(f"`api` needs {', '.join(missing)} (and one of --jwks-url, --jwks-file)")
    try:
        return ApiSettings(
            redis_url=args.redis,
            stream=args.stream,
            store=args.store,
            auth=AuthSettings(
                jwks_url=args.jwks_url,
                jwks_file=args.jwks_file,
                issuer=args.issuer,
                audience=args.audience,
                tenant_claim=args.tenant_claim,
                algorithms=tuple(args.algorithms.split(",")),
            ),
            rate_limit=args.rate_limit,
            redis_timeout_seconds=args.redis_timeout,
            max_upload_bytes=args.max_upload_bytes,
            upload_expiry_seconds=args.upload_expiry,
        )
    except ValidationError as exc:
        problems = [f"{'.'.join(str(x) for x in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()]
        raise MissingSettings("; ".join(problems)) from None


def _api(args: argparse.Namespace) -> int:
    from gpu_worker.api.server import ServerSettings, run_api

    settings = api_settings(args)
    server = ServerSettings(
        host=args.host,
        port=args.port,
        metrics_port=args.metrics_port,
        workers=args.workers,
        backlog=args.backlog,
        timeout_keep_alive=args.timeout_keep_alive,
        limit_concurrency=args.limit_concurrency,
        timeout_graceful_shutdown=args.graceful_timeout,
    )
    logging.info("jobs API on port %d, its metrics on port %d", args.port, args.metrics_port)
    run_api(settings, server)
    return EXIT_OK


def _reconcile(args: argparse.Namespace) -> int:
    from gpu_worker.ledger import Ledger
    from gpu_worker.reconcile import ReconcileSettings, run_reconciler
    from gpu_worker.redis_client import connect
    from gpu_worker.store import open_store

    settings = ReconcileSettings(
        stream=args.stream, grace=timedelta(seconds=args.grace), lookback=timedelta(days=args.lookback_days)
    )
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    total = run_reconciler(connect(args.redis), Ledger(open_store(args.store)), settings, args.every, stop)
    print(f"{total} jobs enqueued again")
    return EXIT_OK


def _openapi(args: argparse.Namespace) -> int:
    import json

    from gpu_worker.api.app import openapi_document

    args.out.write_text(json.dumps(openapi_document(), indent=2, sort_keys=True) + "\n")
    return EXIT_OK


def add_api_commands(
    commands: argparse._SubParsersAction,
    queue_options: Callable[[argparse.ArgumentParser], None],
    port: Callable[[str], int],
) -> None:
    api = commands.add_parser("api", help="serve the jobs API")
    queue_options(api)
    api.add_argument("--store", required=True, help="where the ledger is kept and uploads go: s3://, gs:// or file://")
    api.add_argument("--host", default="0.0.0.0", help="address to listen on")
    api.add_argument("--port", type=port, default=8000, help="port of the API, /healthz and /readyz")
    api.add_argument("--metrics-port", type=port, default=8080, help="port of /metrics")
    keys = api.add_mutually_exclusive_group(required=True)
    keys.add_argument("--jwks-url", help="the identity provider's JWKS endpoint (https://)")
    keys.add_argument("--jwks-file", type=Path, help="a JWKS document on disk (re-read when it changes)")
    api.add_argument("--issuer", required=True, help="the `iss` tokens must carry")
    api.add_argument("--audience", required=True, help="the `aud` tokens must carry")
    api.add_argument("--tenant-claim", default="tenant", help="the claim that names the tenant")
    api.add_argument("--algorithms", default="RS256,ES256", help="accepted token algorithms, comma-separated")
    api.add_argument("--rate-limit", default="120/minute", help="per-tenant limit, shared by replicas via Redis")
    api.add_argument("--redis-timeout", type=float, default=2.0, help="seconds before Redis counts as down (503)")
    api.add_argument("--max-upload-bytes", type=int, default=200 * 1024**2, help="largest photo an upload form admits")
    api.add_argument("--upload-expiry", type=int, default=900, help="seconds an upload form stays valid")
    api.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    api.add_argument("--backlog", type=int, default=2048, help="listen backlog of the API socket")
    api.add_argument("--timeout-keep-alive", type=int, default=5, help="seconds an idle connection is kept")
    api.add_argument("--limit-concurrency", type=int, default=1000, help="connections at once before 503")
    api.add_argument("--graceful-timeout", type=int, default=20, help="seconds in-flight requests get on SIGTERM")
    api.set_defaults(handler=_api)

    openapi = commands.add_parser("openapi", help="write the jobs API's OpenAPI document")
    openapi.add_argument("--out", type=Path, required=True)
    openapi.set_defaults(handler=_openapi)

    reconcile = commands.add_parser("reconcile", help="enqueue again the accepted jobs Redis has lost")
    queue_options(reconcile)
    reconcile.add_argument("--store", required=True, help="the store holding the ledger (the API's --store)")
    reconcile.add_argument("--grace", type=float, default=600.0, help="seconds a job may wait to be enqueued")
    reconcile.add_argument("--lookback-days", type=float, default=7.0, help="how far back to look for jobs")
    reconcile.add_argument("--every", type=float, default=None, help="run every N seconds (default: once)")
    reconcile.set_defaults(handler=_reconcile)
