"""The jobs API the mesh routes /api/v1/photos to, with its Prometheus metrics on a port of their own.

POST /api/v1/photos/jobs      {"input": "<store key>", "output": "<key prefix>"} -> 202 the job
GET  /api/v1/photos/jobs/{id} -> 200 the job
GET  /healthz (the server answers), /readyz (Redis answers); GET /metrics on the metrics port only.

A job is {"id", "status", "input", "output", "attempts", "outputs"?, "error"?}, its status one of
queued, processing, failed (an attempt failed, `error` says why; it will be retried), done (`outputs`
are the variants' store keys) or dead-lettered (given up on; `error` says why).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from typing import Annotated, Any

import redis
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, field_validator

from gpu_worker.http import Request, Response, error, json_response, serve
from gpu_worker.jobs import JOB_ID_PATTERN, Job, enqueue, load

JOBS_PATH = "/api/v1/photos/jobs"
JOB_PATH = re.compile(rf"^{JOBS_PATH}/({JOB_ID_PATTERN})$")
StoreKey = Annotated[str, StringConstraints(min_length=1, max_length=1024, pattern=r"^[\w./ -]+$")]


class JobRequest(BaseModel):
    """A job submission: the input's store key and the prefix for its variants."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input: StoreKey
    output: StoreKey

    @field_validator("input", "output")
    @classmethod
    def _stays_inside_the_store(cls, key: str) -> str:
        if key.startswith("/") or ".." in key.split("/"):
            raise ValueError("must be a relative key without '..' segments")
        return key


def job_view(job: Job) -> dict[str, Any]:
    """The JSON a client sees of a job (the same after POST and on GET)."""
    view: dict[str, Any] = {
        "id": job.id,
        "status": job.status.value,
        "input": job.input,
        "output": job.output,
        "attempts": job.attempts,
    }
    if job.outputs:
        view["outputs"] = list(job.outputs)
    if job.error:
        view["error"] = job.error
    return view


class ApiMetrics:
    """Requests by route and status, and their latency (served on the metrics port)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "wedsync_api_requests", "Jobs API requests", ["method", "route", "code"], registry=self.registry
        )
        self.latency = Histogram("wedsync_api_request_seconds", "Jobs API request latency", registry=self.registry)

    def observe(self, request: Request, status: int, seconds: float) -> None:
        route = JOBS_PATH if request.path.startswith(JOBS_PATH) else "other"
        self.requests.labels(request.method, route, str(status)).inc()
        self.latency.observe(seconds)


def make_router(client: redis.Redis, stream: str, metrics: ApiMetrics):
    """Routes of the jobs API over one Redis client; every request is counted in `metrics`."""

    def counted(request: Request) -> Response:
        started = time.perf_counter()
        response = route(request)
        metrics.observe(request, response[0], time.perf_counter() - started)
        return response

    def route(request: Request) -> Response:
        if request.path == "/healthz":  # liveness: never Redis, or an outage would restart every replica
            return json_response(200, {"status": "ok"})
        if request.path == "/readyz":
            try:
                client.ping()
            except redis.RedisError:
                return error(503, "redis unreachable")
            return json_response(200, {"status": "ready"})
        if request.path == JOBS_PATH:
            if request.method != "POST":
                return error(405, f"{JOBS_PATH} accepts POST")
            return _submit(request)
        match = JOB_PATH.match(request.path)
        if match:
            if request.method != "GET":
                return error(405, "a job accepts GET")
            job = load(client, match.group(1))
            return json_response(200, job_view(job)) if job is not None else error(404, "no such job")
        return error(404, f"no route {request.path}")

    def _submit(request: Request) -> Response:
        if not request.headers.get("Content-Type", "").startswith("application/json"):
            return error(415, "send the job as application/json")
        try:
            submitted = JobRequest.model_validate(json.loads(request.body or b"null"))
        except json.JSONDecodeError as exc:
            return error(400, f"body is not JSON: {exc.msg}")
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())
            return error(422, problems)
        try:
            queued = enqueue(client, stream, submitted.input, submitted.output)
        except redis.RedisError:
            return error(503, "queue unavailable; retry later")
        return json_response(202, job_view(queued))

    return counted


@dataclass(frozen=True)
class RunningApi:
    """The jobs API's server and its metrics server, both serving in background threads."""

    api: ThreadingHTTPServer
    metrics: ThreadingHTTPServer

    def shutdown(self) -> None:
        for server in (self.api, self.metrics):
            server.shutdown()
            server.server_close()


def serve_api(host: str, port: int, metrics_port: int, client: redis.Redis, stream: str) -> RunningApi:
    """The API on `port`, and its Prometheus metrics on `metrics_port` (the one port the mesh lets Prometheus reach)."""
    metrics = ApiMetrics()

    def metrics_route(request: Request) -> Response:
        if request.path != "/metrics":
            return error(404, f"no route {request.path}")
        return 200, {"Content-Type": CONTENT_TYPE_LATEST}, generate_latest(metrics.registry)

    return RunningApi(serve(host, port, make_router(client, stream, metrics)), serve(host, metrics_port, metrics_route))
