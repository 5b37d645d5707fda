"""Fixed-window rate limiting: in memory for one process, in Redis across a cluster."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Protocol

from redis import asyncio as aioredis


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: int, window: float) -> bool:
        """Count one hit; False when the key is over its limit in the current window."""
        ...


class MemoryRateLimiter:
    def __init__(self, max_keys: int = 100_000) -> None:
        self._windows: OrderedDict[str, tuple[int, int]] = OrderedDict()
        self._max_keys = max_keys

    async def hit(self, key: str, limit: int, window: float) -> bool:
        slot = int(time.monotonic() // window)
        prev_slot, count = self._windows.get(key, (slot, 0))
        count = count + 1 if prev_slot == slot else 1
        self._windows[key] = (slot, count)
        self._windows.move_to_end(key)
        while len(self._windows) > self._max_keys:
            self._windows.popitem(last=False)
        return count <= limit


class RedisRateLimiter:
    def __init__(self, url: str) -> None:
        self._redis = aioredis.from_url(url)

    async def hit(self, key: str, limit: int, window: float) -> bool:
        slot = int(time.time() // window)
        rkey = f"kefu:rl:{key}:{slot}"
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(rkey)
                pipe.expire(rkey, int(window) + 1)
                count, _ = await pipe.execute()
        except Exception:
            return True  # fail open: Redis trouble must not lock everyone out
        return int(count) <= limit

    async def close(self) -> None:
        await self._redis.aclose()
