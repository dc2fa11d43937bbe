"""Prometheus metrics of a worker process (its own registry, so tests can build several)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info


class WorkerMetrics:
    """Jobs done, failed and dead-lettered; latency; batch size; queue lag; device memory; decode backend."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.jobs_done = Counter("wedsync_jobs_done", "Jobs whose variants are all committed", registry=self.registry)
        self.jobs_failed = Counter(
            "wedsync_jobs_failed",
            "Failed job attempts (retried, or dead-lettered after the last)",
            registry=self.registry,
        )
        self.jobs_dead_lettered = Counter(
            "wedsync_jobs_dead_lettered", "Jobs moved to the dead-letter stream", registry=self.registry
        )
        self.job_latency = Histogram(
            "wedsync_job_latency_seconds",
            "Seconds from reading a batch to committing a job's outputs",
            buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120),
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "wedsync_batch_size", "Jobs per batch", buckets=(1, 2, 4, 8, 16, 32, 64), registry=self.registry
        )
        self.queue_lag = Gauge("wedsync_queue_lag", "Stream entries not yet read by the group", registry=self.registry)
        self.redis_reconnects = Counter(
            "wedsync_redis_reconnects",
            "Connection pools dropped after Redis was unreachable or failed over",
            registry=self.registry,
        )
        self.device_memory = Gauge(
            "wedsync_device_memory_bytes", "Bytes held by the device memory pool", registry=self.registry
        )
        self.decode_backend = Info(
            "wedsync_decode_backend",
            "The device and the JPEG decoder whose pixels this worker delivers (pinned per deployment)",
            registry=self.registry,
        )

    def report_device(self, device: Any) -> None:
        """Publish which device and decode backend this worker runs (a `gpu_worker.device.Device`)."""
        self.decode_backend.info({"device": device.name, "backend": device.decode_backend})
