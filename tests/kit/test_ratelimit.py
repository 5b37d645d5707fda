"""Rate limiters: the window opens at the first hit, in memory and in Redis."""

from __future__ import annotations

import uuid

from kefu.kit.ratelimit import MemoryRateLimiter, RedisRateLimiter
from tests.conftest import REDIS_URL, need_redis


class TestLimiters:
    async def test_memory_limiter_counts_per_key(self) -> None:
        limiter = MemoryRateLimiter()
        assert [await limiter.hit("a", 2, 60) for _ in range(3)] == [True, True, False]
        assert await limiter.hit("b", 2, 60)

    async def test_redis_limiter_is_shared_by_instances(self) -> None:
        need_redis()
        key = f"test-{uuid.uuid4().hex}"
        a, b = RedisRateLimiter(REDIS_URL), RedisRateLimiter(REDIS_URL)
        try:
            assert [await a.hit(key, 2, 60), await b.hit(key, 2, 60), await a.hit(key, 2, 60)] == [
                True,
                True,
                False,
            ]
        finally:
            await a.close()
            await b.close()
