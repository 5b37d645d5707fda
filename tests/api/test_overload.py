"""Cluster mode under more concurrent requests than database connections (PostgreSQL): the
requests queue in the process and all complete; one that cannot start in time is answered
503 `overloaded` with Retry-After in the error envelope, having written nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from kefu.kit import background
from kefu.kit.db import Database
from kefu.models import Ticket
from kefu.models.user import Role
from tests.conftest import _truncate, make_settings, need_postgres, new_app
from tests.factories import bearer, make_group, staff_token

pytestmark = pytest.mark.pg


@pytest.fixture
async def pg_db(pg_url: str) -> AsyncIterator[Database]:
    need_postgres()

    database = Database(pg_url)
    await _truncate(database)
    yield database
    await database.dispose()


async def tiny_app(db: Database, **pool: Any) -> tuple[Any, str]:
    async with db.transaction() as s:
        group = await make_group(s, name="售后", is_default=True)
    _agent, token = await staff_token(db, role=Role.AGENT, group_ids=[group.id])
    return new_app(make_settings(db.url, **pool)), token


def ticket(n: int) -> dict[str, Any]:
    return {
        "subject": f"第 {n} 单：屏幕不亮",
        "description": "开机没反应",
        "channel": "api",
        "requester": {"name": f"客户{n}", "email": f"c{n}@example.cn"},
    }


async def tickets(db: Database) -> int:
    async with db.read() as s:
        return int((await s.execute(sa.select(sa.func.count()).select_from(Ticket))).scalar_one())


class TestMoreRequestsThanConnections:
    async def test_every_ticket_create_completes(self, pg_db: Database) -> None:
        app, token = await tiny_app(pg_db, db_pool_size=1, db_max_overflow=2)
        async with app.router.lifespan_context(app):
            await background.drain(timeout=60)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t", timeout=120) as c:
                answers = await asyncio.gather(
                    *(c.post("/api/v1/tickets", json=ticket(n), headers=bearer(token)) for n in range(40))
                )
        assert [r.status_code for r in answers] == [201] * 40, {r.status_code: r.text for r in answers}
        assert await tickets(pg_db) == 40

    async def test_a_request_that_cannot_start_in_time_gets_a_retryable_503(self, pg_db: Database) -> None:
        app, token = await tiny_app(pg_db, db_pool_size=1, db_max_overflow=2, db_queue_max=0)
        async with app.router.lifespan_context(app):
            await background.drain(timeout=60)
            db: Database = app.state.db
            release, held = asyncio.Event(), asyncio.Event()

            async def busy_unit() -> None:  # the process's one slot, taken
                async with db.transaction() as s:
                    await s.execute(sa.text("SELECT 1"))
                    held.set()
                    await release.wait()

            holder = asyncio.create_task(busy_unit())
            await held.wait()
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t", timeout=60) as c:
                refused = await c.post("/api/v1/tickets", json=ticket(1), headers=bearer(token))
                release.set()
                await holder
                retried = await c.post("/api/v1/tickets", json=ticket(1), headers=bearer(token))
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["code"] == "overloaded"
        assert refused.headers["retry-after"] == "1"
        assert retried.status_code == 201
        assert await tickets(pg_db) == 1
