"""Admission of database units (kit.admission): a process runs at most its pool's size of
PostgreSQL units at once; the rest queue first come first served, and past a bound are
refused before doing anything, with an error the caller can retry."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from kefu.kit.admission import Admission, Overloaded
from kefu.kit.db import Database
from tests.conftest import need_postgres


async def hold(admission: Admission, entered: list[str], name: str, release: asyncio.Event) -> None:
    async with admission.slot():
        entered.append(name)
        await release.wait()


class TestSlot:
    async def test_units_past_the_limit_wait_and_enter_in_arrival_order(self) -> None:
        admission = Admission(2)
        entered: list[str] = []
        gates = {name: asyncio.Event() for name in "abcde"}
        tasks = [asyncio.create_task(hold(admission, entered, n, gates[n])) for n in "abcde"]
        await asyncio.sleep(0)
        assert entered == ["a", "b"] and admission.waiting == 3
        gates["b"].set()
        await asyncio.sleep(0.01)
        assert entered == ["a", "b", "c"]
        for gate in gates.values():
            gate.set()
        await asyncio.gather(*tasks)
        assert entered == ["a", "b", "c", "d", "e"]
        assert admission.in_flight == 0 and admission.waiting == 0

    async def test_a_newcomer_does_not_overtake_the_queue(self) -> None:
        admission = Admission(1)
        entered: list[str] = []
        first, second, third = asyncio.Event(), asyncio.Event(), asyncio.Event()
        a = asyncio.create_task(hold(admission, entered, "a", first))
        b = asyncio.create_task(hold(admission, entered, "b", second))
        await asyncio.sleep(0)
        first.set()  # a leaves; b is next even if c arrives before b runs
        c = asyncio.create_task(hold(admission, entered, "c", third))
        second.set()
        third.set()
        await asyncio.gather(a, b, c)
        assert entered == ["a", "b", "c"]

    async def test_past_max_waiting_a_unit_is_refused_at_once(self) -> None:
        admission = Admission(1, max_waiting=1)
        entered: list[str] = []
        release = asyncio.Event()
        held = [asyncio.create_task(hold(admission, entered, n, release)) for n in "ab"]
        await asyncio.sleep(0)
        with pytest.raises(Overloaded):
            async with admission.slot():
                entered.append("c")
        release.set()
        await asyncio.gather(*held)
        assert entered == ["a", "b"] and admission.refusals == 1

    async def test_a_unit_not_started_in_time_is_refused_with_the_callers_error(self) -> None:
        class Busy(Exception):
            pass

        admission = Admission(1, max_wait_seconds=0.05, refused=Busy)
        release = asyncio.Event()
        entered: list[str] = []
        holder = asyncio.create_task(hold(admission, entered, "a", release))
        await asyncio.sleep(0)
        with pytest.raises(Busy):
            async with admission.slot():
                entered.append("late")
        release.set()
        await holder
        assert entered == ["a"]
        async with admission.slot():  # the refused waiter left no slot taken
            assert admission.in_flight == 1

    async def test_a_unit_nested_in_its_own_tasks_unit_does_not_wait_for_itself(self) -> None:
        admission = Admission(1, max_wait_seconds=0.05)
        async with admission.slot(), admission.slot():
            assert admission.in_flight == 1

    async def test_a_cancelled_waiter_gives_its_place_to_the_next(self) -> None:
        admission = Admission(1)
        entered: list[str] = []
        gates = {n: asyncio.Event() for n in "abc"}
        a = asyncio.create_task(hold(admission, entered, "a", gates["a"]))
        b = asyncio.create_task(hold(admission, entered, "b", gates["b"]))
        c = asyncio.create_task(hold(admission, entered, "c", gates["c"]))
        await asyncio.sleep(0)
        b.cancel()
        gates["a"].set()
        gates["c"].set()
        await asyncio.gather(a, c)
        assert entered == ["a", "c"] and admission.in_flight == 0


@pytest.fixture
async def tiny(pg_url: str) -> AsyncIterator[Database]:
    """Two pooled connections and one overflow connection for nested units."""
    need_postgres()
    db = Database(pg_url, pool_size=2, max_overflow=1, queue_seconds=60)
    async with db.engine.begin() as conn:
        await conn.execute(sa.text("CREATE TABLE IF NOT EXISTS admission_probe (n int primary key)"))
        await conn.execute(sa.text("DELETE FROM admission_probe"))
    yield db
    async with db.engine.begin() as conn:
        await conn.execute(sa.text("DROP TABLE admission_probe"))
    await db.dispose()


@pytest.mark.pg
class TestOnPostgreSQL:
    async def test_many_more_units_than_connections_all_commit(self, tiny: Database) -> None:
        async def unit(n: int) -> None:
            async with tiny.transaction() as session:
                await session.execute(sa.text("SELECT pg_sleep(0.005)"))
                await session.execute(sa.text("INSERT INTO admission_probe VALUES (:n)"), {"n": n})

        async def read() -> int:
            async with tiny.read() as session:
                found = await session.execute(sa.text("SELECT count(*) FROM admission_probe"))
                return int(found.scalar_one())

        results = await asyncio.gather(*(unit(n) for n in range(60)), *(read() for _ in range(20)))
        assert all(r is None or r >= 0 for r in results)
        assert await read() == 60
        assert tiny.admission is not None and tiny.admission.refusals == 0

    async def test_a_unit_nested_in_a_unit_uses_the_overflow_connection(self, tiny: Database) -> None:
        async def outer(n: int) -> None:
            async with tiny.transaction() as session:
                await session.execute(sa.text("INSERT INTO admission_probe VALUES (:n)"), {"n": n})
                async with tiny.transaction() as audit:  # e.g. an audit row of its own
                    await audit.execute(sa.text("INSERT INTO admission_probe VALUES (:n)"), {"n": n + 1000})

        await asyncio.gather(*(outer(n) for n in range(10)))
        async with tiny.read() as session:
            assert (await session.execute(sa.text("SELECT count(*) FROM admission_probe"))).scalar_one() == 20

    async def test_a_refused_unit_wrote_nothing(self, pg_url: str) -> None:
        need_postgres()
        db = Database(pg_url, pool_size=1, max_overflow=0, queue_max=0)
        try:
            release = asyncio.Event()
            started = asyncio.Event()

            async def holder() -> None:
                async with db.transaction() as session:
                    await session.execute(sa.text("SELECT 1"))
                    started.set()
                    await release.wait()

            task = asyncio.create_task(holder())
            await started.wait()
            with pytest.raises(Overloaded):
                async with db.transaction() as session:
                    await session.execute(sa.text("CREATE TABLE admission_never (n int)"))
            release.set()
            await task
            async with db.read() as session:
                found = await session.execute(sa.text("SELECT to_regclass('admission_never')"))
                assert found.scalar_one() is None
        finally:
            await db.dispose()
