"""The jobs API's Prometheus metrics: requests by method, route and status, and their latency."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram

from gpu_worker.api.bodylimit import App, Message, Receive, Scope, Send


class ApiMetrics:
    """Counters and histograms of the API (served on the metrics port, never on the API's own)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.requests = Counter(
            "wedsync_api_requests", "Jobs API requests", ["method", "route", "code"], registry=self.registry
        )
        self.latency = Histogram(
            "wedsync_api_request_seconds", "Jobs API request latency", ["route"], registry=self.registry
        )


class Observed:
    """ASGI middleware that counts every request (refused ones too) under its route's template."""

    def __init__(self, app: App, metrics: ApiMetrics):
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)
