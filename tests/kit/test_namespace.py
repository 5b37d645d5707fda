"""Redis namespaces: installs (and parallel test workers) sharing one Redis stay apart."""

from __future__ import annotations

import asyncio

import pytest

from kefu.config import Settings
from kefu.kit.realtime import RedisBus
from tests.conftest import REDIS_URL, need_redis


class TestRedisNamespace:
    def test_one_namespace_per_database_name_whatever_the_host(self) -> None:
        a = Settings(database_url="postgresql+asyncpg://kefu@10.0.0.5:5432/shop_a")
        a2 = Settings(database_url="postgresql+asyncpg://kefu@db.internal/shop_a?ssl=require")
        b = Settings(database_url="postgresql+asyncpg://kefu@10.0.0.5:5432/shop_b")
        assert a.redis_namespace() == a2.redis_namespace() == "kefu:shop_a:"
        assert b.redis_namespace() != a.redis_namespace()

    def test_explicit_prefix_wins(self) -> None:
        s = Settings(database_url="sqlite+aiosqlite:///./var/kefu.db", redis_prefix="acme:")
        assert s.redis_namespace() == "acme:"

    async def test_two_namespaces_do_not_hear_each_other(self) -> None:
        need_redis()
        ours, theirs = RedisBus(REDIS_URL, "kefu:ns_a:"), RedisBus(REDIS_URL, "kefu:ns_b:")
        await ours.start()
        await theirs.start()
        try:
            mine = await ours.subscribe("conversation:1")
            other = await theirs.subscribe("conversation:1")
            # Publish until our subscriber hears it (its SUBSCRIBE may still be in flight).
            got = None
            for _ in range(100):
                await ours.publish("conversation:1", {"text": "hello"})
                try:
                    got = await asyncio.wait_for(mine.get(), 0.1)
                    break
                except TimeoutError:
                    continue
            assert got == {"text": "hello"}
            await asyncio.sleep(0.3)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(other.get(), 0.5)
        finally:
            await ours.close()
            await theirs.close()


class TestTestShortcutsStayOutOfProduction:
    def test_cheap_password_hashing_is_refused_in_production(self) -> None:
        with pytest.raises(ValueError, match="never production"):
            Settings(env="prod", hash_cost="test", secret_key="x" * 40)

    def test_hashes_of_either_cost_verify(self) -> None:
        from kefu.kit import security

        try:
            security.configure_password_hashing(cheap=False)
            standard = security.hash_password("kefu-demo")
            security.configure_password_hashing(cheap=True)
            cheap = security.hash_password("kefu-demo")
            assert security.verify_password(standard, "kefu-demo")
            assert security.verify_password(cheap, "kefu-demo")
            assert not security.verify_password(cheap, "wrong")
            assert "m=1024" in cheap and "m=65536" in standard
        finally:
            security.configure_password_hashing(cheap=True)
