"""Fan-out: in-process bus, Redis across bus instances (as across processes), resync hints."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis import asyncio as aioredis

from kefu.kit import realtime
from kefu.kit.realtime import RESYNC, InProcessBus, RedisBus
from tests.conftest import REDIS_URL, need_redis
from tests.conversation.test_chat_cluster import RedisProcess


async def _next(sub: realtime.Subscription, timeout: float = 5.0) -> realtime.Message:
    return await asyncio.wait_for(sub.get(), timeout)


class TestInProcessBus:
    async def test_delivers_to_every_subscriber_of_the_channel_only(self) -> None:
        bus = InProcessBus()
        a, b, other = (
            await bus.subscribe("c1"),
            await bus.subscribe("c1", "c2"),
            await bus.subscribe("c3"),
        )
        await bus.publish("c1", {"n": 1})
        assert await _next(a) == {"n": 1}
        assert await _next(b) == {"n": 1}
        assert other.queue.empty()
        await bus.unsubscribe(a)
        await bus.publish("c1", {"n": 2})
        assert a.queue.empty()
        assert await _next(b) == {"n": 2}

    async def test_slow_consumer_gets_one_resync_instead_of_unbounded_memory(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(realtime, "QUEUE_SIZE", 3)
        bus = InProcessBus()
        sub = await bus.subscribe("c")
        for i in range(10):
            await bus.publish("c", {"n": i})
        got = [await _next(sub) for _ in range(3)]
        assert got[-1] is RESYNC
        assert sub.queue.empty()


@pytest.fixture
def redis_url() -> str:
    need_redis()
    return REDIS_URL


@contextlib.asynccontextmanager
async def two_buses(url: str, prefix: str | None = None) -> AsyncIterator[tuple[RedisBus, RedisBus]]:
    """Two started buses on one Redis, as two processes have; closed after (twice is fine)."""
    prefix = prefix if prefix is not None else f"kefu-test-{uuid.uuid4().hex[:8]}:"
    a, b = RedisBus(url, prefix=prefix), RedisBus(url, prefix=prefix)
    await a.start()
    await b.start()
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()


class TestRedisBus:
    async def test_message_published_on_one_instance_reaches_another(self, redis_url: str) -> None:
        async with two_buses(redis_url) as (a, b):
            sub = await b.subscribe("user:1")
            await asyncio.sleep(0.2)
            await a.publish("user:1", {"type": "hi", "text": "你好"})
            assert await _next(sub) == {"type": "hi", "text": "你好"}

    async def test_lost_connection_tells_subscribers_to_resync_and_keeps_working(
        self, redis_url: str
    ) -> None:
        prefix = f"kefu-test-{uuid.uuid4().hex[:8]}:"
        bus, publisher = RedisBus(redis_url, prefix=prefix), RedisBus(redis_url, prefix=prefix)
        await bus.start()
        await publisher.start()
        admin = aioredis.from_url(redis_url)
        try:
            sub = await bus.subscribe("conv:9")
            await asyncio.sleep(0.2)
            await admin.client_kill_filter(_type="pubsub")  # as if Redis restarted
            assert await _next(sub, timeout=10) is RESYNC
            await asyncio.sleep(0.3)
            await publisher.publish("conv:9", {"n": 1})
            assert await _next(sub) == {"n": 1}
        finally:
            await admin.aclose()
            await bus.close()
            await publisher.close()

    async def test_a_burst_of_publishes_arrives_complete_and_in_order(
        self, redis_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # Publishes share pipelines; past 16 queued the publisher waits for them to go out.
        monkeypatch.setattr(realtime, "OUTBOX_SIZE", 16)
        async with two_buses(redis_url) as (a, b):
            sub = await b.subscribe("conv:1")
            other = await b.subscribe("conv:2")
            await asyncio.sleep(0.2)
            for n in range(300):
                await a.publish("conv:1" if n % 3 else "conv:2", {"n": n})
            got = [(await _next(sub))["n"] for _ in range(200)]
            assert got == [n for n in range(300) if n % 3]
            assert [(await _next(other))["n"] for _ in range(100)] == list(range(0, 300, 3))

    async def test_close_sends_what_is_queued(self, redis_url: str) -> None:
        async with two_buses(redis_url) as (a, b):
            sub = await b.subscribe("user:3")
            await asyncio.sleep(0.2)
            for n in range(5):
                await a.publish("user:3", {"n": n})
            await a.close()  # a shutting-down process still sends its last hints
            assert [(await _next(sub))["n"] for _ in range(5)] == [0, 1, 2, 3, 4]

    async def test_publishing_while_redis_is_unreachable_neither_raises_nor_piles_up(
        self, redis_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(realtime, "OUTBOX_SIZE", 5)
        bus = RedisBus("redis://127.0.0.1:1/0", prefix="kefu-test-none:")
        bus._redis = aioredis.from_url("redis://127.0.0.1:1/0")  # started, then Redis went away
        for n in range(50):
            await bus.publish("conv:1", {"n": n})  # the hints are lost, never an error
            assert len(bus._outbox) < 5  # publishers wait for a full outbox to go
        await bus.close()
        assert bus._outbox == []

    async def test_the_first_publish_after_a_redis_restart_arrives(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # An idle pooled connection still points at the old server and fails once; the
        # sender retries the pipeline on a fresh connection instead of losing the hints (a
        # lost hint shows the customer's next message to the agent only after the one after).
        need_redis()
        redis = RedisProcess(tmp_path)
        redis.start()
        try:
            async with two_buses(redis.url) as (a, b):
                sub = await b.subscribe("user:7")
                await asyncio.sleep(0.2)
                await a.publish("user:7", {"n": 1})
                assert await _next(sub) == {"n": 1}
                redis.stop()
                redis.start()
                assert await _next(sub, timeout=15) is RESYNC  # b's reader reconnected
                await a.publish("user:7", {"n": 2})  # a's pooled connection is the stale one
                assert await _next(sub) == {"n": 2}
        finally:
            redis.stop()
