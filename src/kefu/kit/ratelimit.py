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
    """A window opens at a key's first hit and lasts `window` seconds (not aligned to the
    clock, so a burst cannot slip through by straddling a boundary)."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._windows: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self._max_keys = max_keys

    async def hit(self, key: str, limit: int, window: float) -> bool:
        now = time.monotonic()
        started, count = self._windows.get(key, (now, 0))
        if now - started >= window:
            started, count = now, 0
        count += 1
        self._windows[key] = (started, count)
        self._windows.move_to_end(key)
        while len(self._windows) > self._max_keys:
            self._windows.popitem(last=False)
        return count <= limit


class RedisRateLimiter:
    def __init__(self, url: str, prefix: str = "kefu:") -> None:
        self._redis = aioredis.from_url(url)
        self._prefix = prefix

    async def hit(self, key: str, limit: int, window: float) -> bool:
        rkey = f"{self._prefix}rl:{key}"
        try:
            count = int(await self._redis.incr(rkey))
            if count == 1:  # the window opens at the first hit
                await self._redis.pexpire(rkey, int(window * 1000))
        except Exception:
            return True  # fail open: Redis trouble must not lock everyone out
        return count <= limit

    async def close(self) -> None:
        await self._redis.aclose()
