"""SQLite's one writer and the read path: FIFO group commit, each unit alone in its
savepoint, reads in snapshots that never wait for the write lock; and the per-route choice."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy.exc import OperationalError
from structlog.testing import capture_logs

from kefu.deps import Session
from kefu.kit.db import Database, ReadOnlyViolation, reads, writes
from kefu.kit.events import EventRecord


async def _names(db: Database) -> list[str]:
    async with db.read() as s:
        return list((await s.execute(sa.select(EventRecord.name).order_by(EventRecord.id))).scalars())


async def _insert(db: Database, name: str, *, fail: bool = False) -> None:
    async with db.transaction() as s:
        s.add(EventRecord(name=name, aggregate="t", payload={}))
        await s.flush()
        if fail:
            raise ValueError("this unit fails")


@pytest.fixture
def sqlite_db(db: Database) -> Database:
    if not db.is_sqlite:
        pytest.skip("the writer is SQLite's")
    return db


class TestWriter:
    async def test_concurrent_units_share_commits_in_arrival_order(self, sqlite_db: Database) -> None:
        db = sqlite_db
        assert db.writer is not None
        before = db.writer.stats.commits
        await asyncio.gather(*(_insert(db, f"u{i:02d}") for i in range(30)))
        assert await _names(db) == [f"u{i:02d}" for i in range(30)]  # FIFO: stored in order
        assert db.writer.stats.commits - before < 30  # and many units per fsync

    async def test_a_failing_unit_rolls_back_alone(self, sqlite_db: Database) -> None:
        results = await asyncio.gather(
            *(_insert(sqlite_db, f"u{i}", fail=i == 2) for i in range(5)), return_exceptions=True
        )
        assert [type(r).__name__ for r in results] == ["NoneType"] * 2 + ["ValueError"] + ["NoneType"] * 2
        assert await _names(sqlite_db) == ["u0", "u1", "u3", "u4"]

    async def test_a_batch_s_first_unit_fails_alone_without_a_savepoint(self, sqlite_db: Database) -> None:
        # Alone in its batch, a unit runs without a SAVEPOINT: its failure rolls back the
        # batch's transaction, which held nothing else; the next unit is stored.
        with pytest.raises(ValueError):
            await _insert(sqlite_db, "first", fail=True)
        await _insert(sqlite_db, "next")
        results = await asyncio.gather(
            *(_insert(sqlite_db, f"u{i}", fail=i == 0) for i in range(3)), return_exceptions=True
        )
        assert [type(r).__name__ for r in results] == ["ValueError", "NoneType", "NoneType"]
        assert await _names(sqlite_db) == ["next", "u1", "u2"]

    async def test_a_unit_that_rolls_back_and_goes_on_is_stored(self, sqlite_db: Database) -> None:
        # A form page rolls back its failed change and then records something else.
        async def unit(name: str) -> None:
            async with sqlite_db.transaction() as s:
                s.add(EventRecord(name=f"{name}-dropped", aggregate="t", payload={}))
                await s.flush()
                await s.rollback()
                s.add(EventRecord(name=name, aggregate="t", payload={}))

        await unit("alone")
        await asyncio.gather(unit("a"), unit("b"), _insert(sqlite_db, "c"))
        assert await _names(sqlite_db) == ["alone", "a", "b", "c"]

    async def test_the_connection_is_kept_between_batches(self, sqlite_db: Database) -> None:
        assert sqlite_db.writer is not None
        await _insert(sqlite_db, "one")
        held = sqlite_db.writer._held
        await _insert(sqlite_db, "two")
        assert held is not None and sqlite_db.writer._held is held
        assert sqlite_db.writer_engine.pool.checkedout() == 1  # type: ignore[attr-defined]
        await sqlite_db.writer.close()
        assert sqlite_db.writer_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
        await _insert(sqlite_db, "three")  # a closed writer connects again
        assert await _names(sqlite_db) == ["one", "two", "three"]

    async def test_after_commit_hooks_run_only_for_stored_units(self, sqlite_db: Database) -> None:
        from kefu.kit.db import after_commit

        ran: list[str] = []

        async def unit(name: str, fail: bool) -> None:
            async def hook() -> None:
                ran.append(name)

            async with sqlite_db.transaction() as s:
                after_commit(s, hook)
                if fail:
                    raise ValueError(name)

        await asyncio.gather(unit("ok", False), unit("bad", True), return_exceptions=True)
        assert ran == ["ok"]

    async def test_a_read_neither_waits_for_nor_sees_an_open_write(self, sqlite_db: Database) -> None:
        inside, release = asyncio.Event(), asyncio.Event()

        async def slow_writer() -> None:
            async with sqlite_db.transaction() as s:
                s.add(EventRecord(name="pending", aggregate="t", payload={}))
                await s.flush()
                inside.set()
                await release.wait()

        task = asyncio.create_task(slow_writer())
        await asyncio.wait_for(inside.wait(), 10)
        try:
            # The write lock is held right now; a reader answers at once from its snapshot.
            assert await asyncio.wait_for(_names(sqlite_db), 5) == []
        finally:
            release.set()
            await task
        assert await _names(sqlite_db) == ["pending"]


class TestReadPath:
    async def test_orm_changes_on_a_read_path_fail_loudly(self, db: Database) -> None:
        with pytest.raises(ReadOnlyViolation):
            async with db.read() as s:
                s.add(EventRecord(name="nope", aggregate="t", payload={}))
        assert await _names(db) == []

    async def test_sqlite_readers_cannot_write_at_all(self, sqlite_db: Database) -> None:
        with pytest.raises(OperationalError, match="readonly"):
            async with sqlite_db.read() as s:
                await s.execute(sa.insert(EventRecord).values(name="nope", aggregate="t", payload={}))


def _route_app(db: Database) -> FastAPI:
    app = FastAPI()
    app.state.db = db

    def mode(session: Any) -> dict[str, str]:
        return {"mode": "read" if session.info.get("read_only") else "write"}

    @app.get("/plain-get")
    async def plain_get(session: Session) -> dict[str, str]:
        return mode(session)

    @app.post("/plain-post")
    async def plain_post(session: Session) -> dict[str, str]:
        return mode(session)

    @app.get("/audited-get")
    @writes
    async def audited_get(session: Session) -> dict[str, str]:
        return mode(session)

    @app.post("/search")
    @reads
    async def search(session: Session) -> dict[str, str]:
        return mode(session)

    return app


class TestRouteAccess:
    @pytest.mark.parametrize(
        ("method", "path", "expected"),
        [
            ("GET", "/plain-get", "read"),
            ("POST", "/plain-post", "write"),
            ("GET", "/audited-get", "write"),
            ("POST", "/search", "read"),
        ],
    )
    async def test_each_route_gets_the_access_it_declares(
        self, db: Database, method: str, path: str, expected: str
    ) -> None:
        transport = httpx.ASGITransport(app=_route_app(db))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            r = await c.request(method, path)
        assert r.json() == {"mode": expected}


class TestWriterWatch:
    """A unit that holds the writer delays every unit queued behind it while the event loop
    stays free (the loop-stall watch sees nothing): the writer says so itself."""

    async def test_a_long_unit_is_logged_with_its_holder_and_its_waiters_wait_is_measured(
        self, sqlite_db: Database
    ) -> None:
        waited_before = _sample("kefu_writer_wait_seconds_sum")
        held_before = _sample("kefu_writer_hold_seconds_count")

        async def slow() -> None:
            async with sqlite_db.transaction() as s:
                s.add(EventRecord(name="slow", aggregate="t", payload={}))
                await asyncio.sleep(0.15)  # e.g. an await on the network inside a unit

        with capture_logs() as logs:
            slow_task = asyncio.create_task(slow())
            await asyncio.sleep(0.01)  # the slow unit holds the writer now
            await _insert(sqlite_db, "behind")
            await slow_task
        slow_lines = [line for line in logs if line["event"] == "writer.slow_unit"]
        assert len(slow_lines) == 1  # the quick unit behind it is not reported
        assert slow_lines[0]["held_ms"] >= 150
        assert any("test_writer.py" in where and "slow" in where for where in slow_lines[0]["where"])
        assert await _names(sqlite_db) == ["slow", "behind"]
        assert _sample("kefu_writer_wait_seconds_sum") - waited_before >= 0.1  # behind waited
        assert _sample("kefu_writer_hold_seconds_count") - held_before == 2


def _sample(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0
