"""Per-tenant rate limits, counted in Redis so that every API replica shares them (the `limits` library)."""

from __future__ import annotations

import math
import time

import redis
from limits import parse
from limits.storage import RedisStorage
from limits.strategies import SlidingWindowCounterRateLimiter


class RateLimited(Exception):
    """The tenant has used its allowance; `retry_after` seconds until the window lets it in again."""

    def __init__(self, retry_after: int):
        super().__init__(f"rate limit reached; retry in {retry_after}s")
        self.retry_after = retry_after


class TenantRateLimiter:
    """`limit` (e.g. "120/minute") per tenant, over the API's own Redis connection pool."""

    def __init__(self, limit: str, client: redis.Redis, redis_url: str):
        self.limit = parse(limit)
        storage = RedisStorage(redis_url, connection_pool=client.connection_pool)
        self._limiter = SlidingWindowCounterRateLimiter(storage)

    def hit(self, tenant: str) -> None:
        """Count one request of `tenant`; RateLimited when over (Redis errors propagate: the API answers 503)."""
        if not self._limiter.hit(self.limit, "tenant", tenant):
            reset_at = self._limiter.get_window_stats(self.limit, "tenant", tenant).reset_time
            raise RateLimited(max(1, math.ceil(reset_at - time.time())))
