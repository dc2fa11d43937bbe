"""One way to open Redis for every command: the URL, then REDIS_PASSWORD and REDIS_CA_FILE from the environment."""

from __future__ import annotations

import os

import redis


def connect(url: str, timeout: float = 30.0) -> redis.Redis:
    """A client whose calls give up after `timeout` seconds (connecting included): an outage never hangs a caller.

    Connections are made on demand and resolve the URL's host each time, so dropping the pool after a
    failover (`client.connection_pool.disconnect()`) reaches whichever server the name points at now.
    """
    extra: dict[str, str] = {}
    if url.startswith("rediss://") and os.environ.get("REDIS_CA_FILE"):
        extra["ssl_ca_certs"] = os.environ["REDIS_CA_FILE"]
    password = os.environ.get("REDIS_PASSWORD")
    if password:
        extra["password"] = password
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_timeout=timeout,
        socket_connect_timeout=min(timeout, 5.0),
        health_check_interval=30,
        **extra,
    )
