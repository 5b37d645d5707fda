"""Realtime fan-out: in-process for one `kefu serve`, Redis pub/sub across processes.

The bus only carries hints. The database stays the source of truth: when a subscriber may
have missed messages (Redis reconnect, a slow consumer's full queue) it receives
`RESYNC`, and the client reloads from its last seen sequence number.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from typing import Any, Protocol

import structlog
from redis import asyncio as aioredis

# A message is read-only: the in-process bus hands the same object to every subscriber.
Message = Mapping[str, Any]
RESYNC: Message = {"type": "_resync"}
QUEUE_SIZE = 1000
# Publishes waiting for the next pipeline to Redis; past this a publisher waits until they
# are sent (a burst of thousands of hints without a yield, or Redis slow to answer).
OUTBOX_SIZE = 1000
log = structlog.get_logger(__name__)


class Subscription:
    """A subscriber's bounded queue; overflow turns into a single RESYNC marker."""

    def __init__(self, channels: tuple[str, ...]) -> None:
        self.channels = channels
        self.queue: asyncio.Queue[Message] = asyncio.Queue(QUEUE_SIZE)
        self._overflowed = False

    def deliver(self, message: Message) -> None:
        if self._overflowed:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self._overflowed = True
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
            self.queue.put_nowait(RESYNC)

    async def get(self) -> Message:
        message = await self.queue.get()
        if message is RESYNC:
            self._overflowed = False
        return message

    def __aiter__(self) -> AsyncIterator[Message]:
        return self._iter()

    async def _iter(self) -> AsyncIterator[Message]:
        while True:
            yield await self.get()


class Bus(Protocol):
    async def start(self) -> None: ...
    async def close(self) -> None: ...
    async def publish(self, channel: str, message: Message) -> None: ...
    async def subscribe(self, *channels: str) -> Subscription: ...
    async def unsubscribe(self, sub: Subscription) -> None: ...


class _LocalFanout:
    def __init__(self) -> None:
        self.subs: dict[str, set[Subscription]] = defaultdict(set)

    def add(self, sub: Subscription) -> list[str]:
        """Register; returns channels that had no local subscriber before."""
        new = [ch for ch in sub.channels if not self.subs.get(ch)]
        for ch in sub.channels:
            self.subs[ch].add(sub)
        return new

    def remove(self, sub: Subscription) -> list[str]:
        gone = []
        for ch in sub.channels:
            subs = self.subs.get(ch)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self.subs[ch]
                    gone.append(ch)
        return gone

    def deliver(self, channel: str, message: Message) -> None:
        for sub in list(self.subs.get(channel, ())):
            sub.deliver(message)

    def resync_all(self) -> None:
        for subs in list(self.subs.values()):
            for sub in list(subs):
                sub.deliver(RESYNC)


class InProcessBus:
    def __init__(self) -> None:
        self._fanout = _LocalFanout()

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def publish(self, channel: str, message: Message) -> None:
        self._fanout.deliver(channel, message)

    async def subscribe(self, *channels: str) -> Subscription:
        sub = Subscription(channels)
        self._fanout.add(sub)
        return sub

    async def unsubscribe(self, sub: Subscription) -> None:
        self._fanout.remove(sub)


class RedisBus:
    """One pub/sub connection per process; reconnects and tells subscribers to resync.

    Publishes are queued and sent by one task as a pipeline: every publish made while the
    previous pipeline was on the wire goes out in the next one, in order. One PUBLISH
    round trip cost ~60-100 us of CPU in redis-py (pool, retry, timeout contexts); under load
    a pipeline carries several. `publish` returns once the message is queued: the bus only
    carries hints, and `close` sends what is queued. A pipeline that fails loses its hints
    (logged), as a failed PUBLISH did: subscribers catch up from the database."""

    def __init__(self, url: str, prefix: str = "kefu:") -> None:
        self.url = url
        self.prefix = prefix
        self._fanout = _LocalFanout()
        self._redis: aioredis.Redis | None = None
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._lock = asyncio.Lock()
        self._outbox: list[tuple[str, str]] = []
        self._sender: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._redis = aioredis.from_url(self.url, decode_responses=True)
        await self._connect()
        self._reader = asyncio.create_task(self._read_forever())

    async def _connect(self) -> None:
        assert self._redis is not None
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        # A placeholder channel keeps the connection in subscribe mode so get_message works.
        await self._pubsub.subscribe(f"{self.prefix}_keepalive")
        channels = [self.prefix + ch for ch in self._fanout.subs]
        if channels:
            await self._pubsub.subscribe(*channels)
        self._ready.set()

    async def _read_forever(self) -> None:
        while True:
            try:
                # Blocking read: no timeout context per message; a lost connection raises.
                msg = await self._pubsub.get_message(timeout=None)
                if msg and msg.get("type") == "message":
                    channel = str(msg["channel"])[len(self.prefix) :]
                    self._fanout.deliver(channel, json.loads(msg["data"]))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._ready.clear()
                log.warning("realtime.redis_lost", error=str(exc))
                await self._reconnect()

    async def _reconnect(self) -> None:
        delay = 0.2
        while True:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
            try:
                async with self._lock:
                    await self._connect()
                log.info("realtime.redis_reconnected")
                self._fanout.resync_all()  # anything may have been missed meanwhile
                return
            except Exception:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def close(self) -> None:
        if self._sender is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._sender), 5.0)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        if self._redis is not None:
            await self._redis.aclose()

    async def publish(self, channel: str, message: Message) -> None:
        assert self._redis is not None
        self._outbox.append((self.prefix + channel, json.dumps(message, ensure_ascii=False)))
        sender = self._sender
        if sender is None:
            sender = self._sender = asyncio.get_running_loop().create_task(self._send())
        if len(self._outbox) >= OUTBOX_SIZE:
            await asyncio.shield(sender)  # back-pressure: nothing is dropped

    async def _send(self) -> None:
        assert self._redis is not None
        try:
            while self._outbox:
                batch, self._outbox = self._outbox, []
                for attempt in (1, 2):
                    pipe = self._redis.pipeline(transaction=False)
                    for channel, data in batch:
                        pipe.publish(channel, data)
                    try:
                        await pipe.execute()
                        break
                    except Exception as exc:
                        # Once more: after a Redis restart an idle pooled connection still
                        # points at the old server and fails once; the retry connects anew.
                        if attempt == 2:  # hints lost: subscribers resync from the database
                            log.warning("realtime.publish_failed", messages=len(batch), error=str(exc))
        finally:
            self._sender = None

    async def subscribe(self, *channels: str) -> Subscription:
        sub = Subscription(channels)
        new = self._fanout.add(sub)
        if new and self._ready.is_set():
            async with self._lock:
                with contextlib.suppress(Exception):
                    await self._pubsub.subscribe(*[self.prefix + ch for ch in new])
        return sub

    async def unsubscribe(self, sub: Subscription) -> None:
        gone = self._fanout.remove(sub)
        if gone and self._ready.is_set():
            async with self._lock:
                with contextlib.suppress(Exception):
                    await self._pubsub.unsubscribe(*[self.prefix + ch for ch in gone])


def create_bus(redis_url: str | None, prefix: str = "kefu:") -> Bus:
    return RedisBus(redis_url, prefix) if redis_url else InProcessBus()


_bus: Bus | None = None


def set_bus(bus: Bus | None) -> None:
    global _bus
    _bus = bus


def get_bus() -> Bus:
    """The process's bus (set by the app or worker at start-up)."""
    if _bus is None:
        raise RuntimeError("realtime bus not started")
    return _bus
