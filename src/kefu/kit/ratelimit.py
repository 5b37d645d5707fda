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

    async def locked_for(self, key: str) -> float:
        """Seconds a backoff lock on key still lasts (0: not locked)."""
        ...

    async def failed(self, key: str, free: int, window: float, max_lock: float) -> float:
        """Count a failure; beyond `free` failures within `window` the key is locked for a
        delay that doubles with each further failure (capped). Returns the lock seconds."""
        ...

    async def succeeded(self, key: str) -> None:
        """Forget the key's failures and lock."""
        ...


def backoff_seconds(failures: int, free: int, max_lock: float) -> float:
    if failures <= free:
        return 0.0
    return float(min(max_lock, 2 ** min(failures - free - 1, 30)))


class MemoryRateLimiter:
    """A window opens at a key's first hit and lasts `window` seconds (not aligned to the
    clock, so a burst cannot slip through by straddling a boundary)."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self._windows: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self._failures: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self._locks: dict[str, float] = {}
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

    async def locked_for(self, key: str) -> float:
        until = self._locks.get(key, 0.0)
        return max(0.0, until - time.monotonic())

    async def failed(self, key: str, free: int, window: float, max_lock: float) -> float:
        now = time.monotonic()
        started, count = self._failures.get(key, (now, 0))
        if now - started >= window:
            started, count = now, 0
        count += 1
        self._failures[key] = (started, count)
        lock = backoff_seconds(count, free, max_lock)
        if lock:
            self._locks[key] = now + lock
        while len(self._failures) > self._max_keys:
            self._failures.popitem(last=False)
        return lock

    async def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)
        self._locks.pop(key, None)


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

    async def locked_for(self, key: str) -> float:
        try:
            ms = int(await self._redis.pttl(f"kefu:lock:{key}"))
        except Exception:
            return 0.0
        return ms / 1000 if ms > 0 else 0.0

    async def failed(self, key: str, free: int, window: float, max_lock: float) -> float:
        fkey = f"kefu:fail:{key}"
        try:
            count = int(await self._redis.incr(fkey))
            if count == 1:
                await self._redis.pexpire(fkey, int(window * 1000))
            lock = backoff_seconds(count, free, max_lock)
            if lock:
                await self._redis.set(f"kefu:lock:{key}", "1", px=int(lock * 1000))
        except Exception:
            return 0.0
        return lock

    async def succeeded(self, key: str) -> None:
        try:
            await self._redis.delete(f"kefu:fail:{key}", f"kefu:lock:{key}")
        except Exception:
            return

    async def close(self) -> None:
        await self._redis.aclose()
