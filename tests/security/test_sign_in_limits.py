"""Finding 7: per-account sign-in limits with backoff, and X-Forwarded-For believed only from
KEFU_TRUSTED_PROXIES (both backends)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from kefu.app import create_app
from kefu.kit.db import Database
from kefu.kit.ratelimit import MemoryRateLimiter, backoff_seconds
from kefu.middleware import client_address, parse_networks
from kefu.models.user import Role
from tests.conftest import make_settings
from tests.factories import PASSWORD, make_user


async def _client(db: Database, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(db.url, **overrides))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5555))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


@pytest.fixture
async def limited(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    async for c in _client(db, rate_limit="1000/60", login_free_failures=3):
        yield c


async def _login(c: httpx.AsyncClient, email: str, password: str, xff: str | None = None) -> httpx.Response:
    headers = {"X-Forwarded-For": xff} if xff else {}
    return await c.post("/api/v1/auth/token", json={"email": email, "password": password}, headers=headers)


class TestPerAccount:
    async def test_guessing_one_account_from_many_addresses_locks_it_with_backoff(
        self, db: Database, limited: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            await make_user(s, email="victim@example.com", role=Role.ADMIN)
        for i in range(3):
            r = await _login(limited, "victim@example.com", "guess", xff=f"203.0.113.{i}")
            assert r.status_code == 401
        r = await _login(limited, "victim@example.com", "guess", xff="203.0.113.99")
        assert r.status_code == 401  # the fourth failure is counted and starts the lock
        r = await _login(limited, "Victim@Example.com", PASSWORD, xff="198.51.100.7")
        assert (r.status_code, r.json()["error"]["code"]) == (429, "account_locked")
        assert int(r.headers["Retry-After"]) >= 1
        # Other accounts are not affected.
        async with db.transaction() as s:
            await make_user(s, email="other@example.com")
        assert (await _login(limited, "other@example.com", PASSWORD)).status_code == 200

    def test_the_lock_doubles_and_is_capped(self) -> None:
        assert [backoff_seconds(n, 3, 60) for n in range(1, 10)] == [0, 0, 0, 1, 2, 4, 8, 16, 32]
        assert backoff_seconds(40, 3, 60) == 60

    async def test_a_right_password_clears_the_count(self) -> None:
        limiter = MemoryRateLimiter()
        for _ in range(3):
            await limiter.failed("k", 3, 60, 60)
        await limiter.succeeded("k")
        assert await limiter.failed("k", 3, 60, 60) == 0
        assert await limiter.locked_for("k") == 0


class TestForwardedFor:
    async def test_rotating_x_forwarded_for_does_not_escape_the_address_limit(self, db: Database) -> None:
        async with db.transaction() as s:
            await make_user(s, email="a@example.com")
        async for c in _client(db, rate_limit="3/60"):
            codes = [
                (await _login(c, "a@example.com", "nope", xff=f"10.9.8.{i}")).status_code for i in range(4)
            ]
            assert codes == [401, 401, 401, 429]

    def test_only_configured_proxies_are_believed(self) -> None:
        proxies = parse_networks(["10.0.0.0/8"])
        assert client_address("127.0.0.1", "1.2.3.4", proxies) == "127.0.0.1"
        assert client_address("10.0.0.5", "1.2.3.4", proxies) == "1.2.3.4"
        # The client's own hops to the left prove nothing; the nearest untrusted one counts.
        assert client_address("10.0.0.5", "6.6.6.6, 1.2.3.4, 10.0.0.9", proxies) == "1.2.3.4"
        assert client_address("10.0.0.5", "garbage", proxies) == "10.0.0.5"
        assert client_address("10.0.0.5", "1.2.3.4", []) == "10.0.0.5"

    async def test_behind_a_trusted_proxy_each_client_has_its_own_limit(self, db: Database) -> None:
        async with db.transaction() as s:
            await make_user(s, email="b@example.com")
        async for c in _client(db, rate_limit="2/60", trusted_proxies=["127.0.0.1"]):
            for i in range(3):
                r = await _login(c, "b@example.com", "nope", xff=f"198.51.100.{i}")
                assert r.status_code == 401, i
