"""KEFU_RATE_LIMIT=off turns every limit off (load tests from one loopback address)."""

from __future__ import annotations

import httpx

from kefu.app import create_app
from kefu.config import Settings
from kefu.gateway.common import TokenBucket
from kefu.kit.db import Database
from tests.conftest import make_settings


async def _sessions(settings: Settings, n: int) -> list[int]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            return [
                (await c.post("/api/v1/widget/sessions", json={"name": "访客"})).status_code for _ in range(n)
            ]


class TestRateLimitOff:
    async def test_off_lifts_the_anonymous_widget_session_limit(self, db: Database) -> None:
        codes = await _sessions(make_settings(db.url, rate_limit="off", anonymous_rate_limit="3/60"), 8)
        assert codes == [201] * 8

    async def test_the_widget_limit_applies_when_limits_are_on(self, db: Database) -> None:
        codes = await _sessions(make_settings(db.url, rate_limit="100/60", anonymous_rate_limit="3/60"), 5)
        assert codes == [201, 201, 201, 429, 429]

    def test_off_lifts_the_per_socket_send_rate(self) -> None:
        assert make_settings("sqlite+aiosqlite:///x.db", rate_limit="off").limits_off
        bucket = TokenBucket.unlimited()
        assert all(bucket.take() for _ in range(10_000))
        limited = TokenBucket(1, 2)
        assert [limited.take() for _ in range(3)] == [True, True, False]
