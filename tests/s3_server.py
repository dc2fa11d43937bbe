"""A real S3-compatible HTTP server on loopback (moto's server mode) and clients for it, for the store tests.

moto's server implements S3's conditional writes (`If-None-Match: *` answers 412 PreconditionFailed) and
bucket versioning, which is what the first-writer-wins commits are tested against. It does not enforce a
POST policy's content-length-range (S3 does), so upload forms are checked by reading the signed policy.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config

from gpu_worker.cloud_stores import S3_RETRIES

REGION = "us-east-1"
_buckets = itertools.count()


class S3Server:
    """moto's threaded server; `bucket()` makes a fresh versioned bucket."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)

    def start(self) -> S3Server:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    @property
    def endpoint(self) -> str:
        host, port = self._server.get_host_and_port()
        return f"http://{host}:{port}"

    def client(self, max_attempts: int | None = None) -> Any:
        """A client with the store's retry mode (fewer attempts when a test exhausts them on purpose)."""
        retries = {**S3_RETRIES, "total_max_attempts": max_attempts or S3_RETRIES["total_max_attempts"]}
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries=retries),
        )

    def bucket(self) -> str:
        name = f"photos-{next(_buckets)}"
        client = self.client()
        client.create_bucket(Bucket=name)
        client.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        return name

    def versions(self, bucket: str) -> dict[str, int]:
        """How many versions each key has."""
        pages = self.client().get_paginator("list_object_versions").paginate(Bucket=bucket)
        counts: dict[str, int] = {}
        for page in pages:
            for version in page.get("Versions", []):
                counts[version["Key"]] = counts.get(version["Key"], 0) + 1
        return counts


def throttle(client: Any, operation: str, key_suffix: str, times: int | None = None) -> Callable[[], int]:
    """Make S3 answer `operation` on keys ending in `key_suffix` with 503 SlowDown (`times` times, or always),
    before the request leaves botocore, so its retry mode and error handling run as on a real throttle.
    Returns a counter of the throttled requests."""
    from botocore.awsrequest import AWSResponse

    throttled = 0

    class _Raw:
        def stream(self, **_: Any):
            yield b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"

    def answer(request: Any, **_: Any) -> AWSResponse | None:
        nonlocal throttled
        if request.url.split("?")[0].endswith(key_suffix) and (times is None or throttled < times):
            throttled += 1
            return AWSResponse(request.url, 503, {"Content-Type": "application/xml"}, _Raw())
        return None

    client.meta.events.register(f"before-send.s3.{operation}", answer)
    return lambda: throttled
