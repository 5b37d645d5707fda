"""The PostgreSQL pool (cluster mode): a busy connection is not pinged before each unit, an
idle one is, and a dead one is replaced without failing the unit that checks it out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from kefu.kit.db import Database
from kefu.kit.pgpool import create_pg_engine
from tests.conftest import need_postgres

pytestmark = pytest.mark.pg


@pytest.fixture
def pg(pg_url: str) -> Iterator[str]:
    need_postgres()
    yield pg_url


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the driver-level pings (each is BEGIN, `;`, ROLLBACK with asyncpg)."""
    calls: list[int] = []
    real = AsyncAdapt_asyncpg_connection.ping

    def counted(self: AsyncAdapt_asyncpg_connection) -> None:
        calls.append(1)
        real(self)

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", counted)
    return calls


async def backend_pid(engine: AsyncEngine) -> int:
    async with engine.begin() as conn:
        return int((await conn.execute(sa.text("SELECT pg_backend_pid()"))).scalar_one())


async def terminate(url: str, pid: int) -> None:
    """Ends a server process and waits until it is gone (no race with the next unit)."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute("SELECT pg_terminate_backend($1)", pid)
        for _ in range(10_000):
            if not await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid):
                return
        raise AssertionError(f"backend {pid} still there")
    finally:
        await conn.close()


@pytest.fixture
async def busy(pg: str) -> AsyncIterator[AsyncEngine]:
    engine = create_pg_engine(pg, pool_size=1, max_overflow=0, ping_idle_seconds=3600)
    yield engine
    await engine.dispose()


@pytest.fixture
async def idle(pg: str) -> AsyncIterator[AsyncEngine]:
    engine = create_pg_engine(pg, pool_size=1, max_overflow=0, ping_idle_seconds=0)
    yield engine
    await engine.dispose()


class TestBusyPool:
    async def test_units_reuse_the_connection_without_pinging(
        self, busy: AsyncEngine, pings: list[int]
    ) -> None:
        pids = {await backend_pid(busy) for _ in range(5)}
        assert len(pids) == 1
        assert pings == []

    async def test_a_dead_connection_fails_one_unit_then_is_replaced(
        self, busy: AsyncEngine, pg: str
    ) -> None:
        dead = await backend_pid(busy)
        await terminate(pg, dead)
        with pytest.raises(DBAPIError) as failed:
            await backend_pid(busy)
        assert failed.value.connection_invalidated
        assert await backend_pid(busy) != dead


class TestIdleConnection:
    async def test_is_pinged_when_checked_out_again(self, idle: AsyncEngine, pings: list[int]) -> None:
        await backend_pid(idle)  # a new connection: nothing to check
        assert pings == []
        await backend_pid(idle)
        assert pings == [1]

    async def test_whose_server_died_is_replaced_before_the_unit(self, idle: AsyncEngine, pg: str) -> None:
        dead = await backend_pid(idle)
        await terminate(pg, dead)
        assert await backend_pid(idle) != dead  # no error: the ping found it dead


class TestDatabase:
    async def test_postgresql_units_use_the_idle_checked_pool(self, pg: str, pings: list[int]) -> None:
        db = Database(pg)
        try:
            for _ in range(3):
                async with db.transaction() as session:
                    await session.execute(sa.text("SELECT 1"))
            assert pings == []
            assert db.engine.pool.size() == 10  # type: ignore[attr-defined]
        finally:
            await db.dispose()
