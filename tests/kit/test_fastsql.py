"""kit.fastsql: hot-path statements run raw on the SQLite writer and through SQLAlchemy
elsewhere, with the same values in and out, inside the unit's transaction, counted by the
statement budgets and failing as SQLAlchemy fails."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from kefu.kit import fastsql
from kefu.kit.db import Database
from kefu.kit.events import EventRecord
from kefu.models import Conversation
from tests.factories import make_conversation
from tests.statements import count_statements

_EVENTS = EventRecord.__table__
INSERT = fastsql.Statement(sa.insert(_EVENTS).returning(_EVENTS.c.id, _EVENTS.c.name))
UPDATE = fastsql.Statement(
    sa.update(_EVENTS).where(_EVENTS.c.id == sa.bindparam("event_id")).values(payload=sa.bindparam("payload"))
)
BY_ID = fastsql.Loader(
    Conversation,
    Conversation.id == sa.bindparam("conversation_id"),
    extra=[sa.literal_column("41") + 1],
    lock=True,
)
_OTHER = sa.inspect(Conversation).local_table.alias("other")
WITH_OTHER = fastsql.Loader(
    Conversation,
    Conversation.id == sa.bindparam("conversation_id"),
    extra=[sa.select(_OTHER.c.last_seq).where(_OTHER.c.id == sa.bindparam("other_id")).scalar_subquery()],
)
WHEN = datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)


async def _stored(db: Database) -> list[tuple[str, dict[str, object], datetime, str]]:
    async with db.read() as s:
        rows = await s.execute(
            sa.select(EventRecord.name, EventRecord.payload, EventRecord.created_at, EventRecord.aggregate)
            .where(EventRecord.aggregate.in_(["fast", ""]))
            .order_by(EventRecord.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


class TestStatement:
    async def test_values_go_in_and_come_back_as_sqlalchemy_processes_them(self, db: Database) -> None:
        async with db.transaction() as s:
            # The writer's units on SQLite take the raw path; PostgreSQL goes through SQLAlchemy.
            assert (fastsql.raw_connection(s) is not None) == db.is_sqlite
            one = await INSERT.rows(
                s, {"name": "a", "aggregate": "fast", "payload": {"文": [1, True]}, "created_at": WHEN}
            )
            # created_at left out: filled from the column's Python default, as SQLAlchemy does.
            many = await INSERT.insert_many(
                s, [{"name": f"m{i}", "aggregate": "fast", "payload": {"i": i}} for i in range(3)]
            )
            await UPDATE.rows(s, {"event_id": one[0][0], "payload": {"changed": None}})
        assert one[0][1] == "a" and isinstance(one[0][0], int)
        assert sorted(name for _id, name in many) == ["m0", "m1", "m2"]
        stored = await _stored(db)
        assert stored[0] == ("a", {"changed": None}, WHEN, "fast")
        assert [(n, p) for n, p, _at, _agg in stored[1:]] == [
            ("m0", {"i": 0}),
            ("m1", {"i": 1}),
            ("m2", {"i": 2}),
        ]
        assert all(
            at.tzinfo is not None and abs((datetime.now(UTC) - at).total_seconds()) < 600
            for *_, at, _ in stored[1:]
        )

    async def test_statements_are_counted(self, db: Database) -> None:
        async with db.transaction() as s:
            with count_statements(db) as counter:
                await INSERT.rows(s, {"name": "c", "aggregate": "fast", "payload": {}})
                await INSERT.insert_many(s, [{"name": "d", "aggregate": "fast", "payload": {}}] * 2)
        assert counter.count == 2, counter.report()
        assert all(sql.startswith("INSERT INTO events") for sql in counter.work)

    async def test_a_broken_constraint_raises_sqlalchemy_s_integrity_error(self, db: Database) -> None:
        async with db.transaction() as s:
            first = await INSERT.rows(s, {"name": "x", "aggregate": "fast", "payload": {}})
        with pytest.raises(sa.exc.IntegrityError):
            async with db.transaction() as s:
                await INSERT.rows(s, {"id": first[0][0], "name": "dup", "aggregate": "fast", "payload": {}})
        assert [name for name, *_ in await _stored(db)] == ["x"]


class TestRollback:
    """Raw statements belong to their unit: a failing unit takes them back with it."""

    @pytest.fixture(autouse=True)
    def sqlite_only(self, db: Database) -> None:
        if not db.is_sqlite:
            pytest.skip("the raw path is the SQLite writer's")

    async def _unit(self, db: Database, name: str, *, fail: bool = False, restart: bool = False) -> None:
        async with db.transaction() as s:
            if restart:  # a unit that rolls back its first try and goes on
                await INSERT.rows(s, {"name": f"{name}-dropped", "aggregate": "fast", "payload": {}})
                await s.rollback()
            await INSERT.rows(s, {"name": name, "aggregate": "fast", "payload": {}})
            if fail:
                raise ValueError("this unit fails")

    async def test_a_failing_unit_alone_in_its_batch(self, db: Database) -> None:
        with pytest.raises(ValueError):
            await self._unit(db, "first", fail=True)
        await self._unit(db, "next")
        assert [name for name, *_ in await _stored(db)] == ["next"]

    async def test_a_failing_unit_among_others_rolls_back_alone(self, db: Database) -> None:
        results = await asyncio.gather(
            *(self._unit(db, f"u{i}", fail=i in (0, 2)) for i in range(5)), return_exceptions=True
        )
        assert [type(r).__name__ for r in results] == [
            "ValueError",
            "NoneType",
            "ValueError",
            "NoneType",
            "NoneType",
        ]
        assert [name for name, *_ in await _stored(db)] == ["u1", "u3", "u4"]

    async def test_after_a_rollback_inside_the_unit(self, db: Database) -> None:
        await self._unit(db, "alone", restart=True)
        results = await asyncio.gather(
            self._unit(db, "a", restart=True),
            self._unit(db, "b", restart=True, fail=True),
            self._unit(db, "c", restart=True),
            return_exceptions=True,
        )
        assert [type(r).__name__ for r in results] == ["NoneType", "ValueError", "NoneType"]
        assert [name for name, *_ in await _stored(db)] == ["alone", "a", "c"]


class TestLoader:
    async def test_the_object_joins_the_session_as_if_the_orm_had_loaded_it(self, db: Database) -> None:
        async with db.transaction() as s:
            conv = await make_conversation(s)
            conv.bot_state = {"slot": "订单号"}
        async with db.transaction() as s:
            found = await BY_ID.one(s, {"conversation_id": conv.id})
            assert found is not None
            loaded, extra = found
            assert extra == (42,)
            assert sa.inspect(loaded).persistent and not s.dirty  # no history: nothing to write
            assert loaded.bot_state == {"slot": "订单号"} and loaded.created_at.tzinfo is not None
            assert (await BY_ID.one(s, {"conversation_id": conv.id})) == (loaded, (42,))  # the identity map's
            loaded.last_seq = 7  # flushed with the unit, like any loaded object's change
            loaded.bot_misses = 2
        async with db.read() as s:
            again = await s.get(Conversation, conv.id)
            assert again is not None and (again.last_seq, again.bot_misses) == (7, 2)
            assert again.bot_state == {"slot": "订单号"}
        async with db.transaction() as s:
            assert await BY_ID.one(s, {"conversation_id": conv.id + 1000}) is None

    async def test_pending_changes_are_flushed_before_the_read(self, db: Database) -> None:
        # As the ORM select autoflushes: the read sees what the unit changed but not yet wrote.
        async with db.transaction() as s:
            conv, other = await make_conversation(s), await make_conversation(s)
        async with db.transaction() as s:
            changed = await s.get(Conversation, other.id)
            assert changed is not None
            changed.last_seq = 9
            found = await WITH_OTHER.one(s, {"conversation_id": conv.id, "other_id": other.id})
            assert found is not None and found[1] == (9,)


class TestPostgres:
    """On PostgreSQL the statements run on the session's asyncpg connection, inside the
    transaction SQLAlchemy's adapter begins: rolled back with it, locking as the ORM would."""

    @pytest.fixture(autouse=True)
    def postgres_only(self, db: Database) -> None:
        if db.is_sqlite:
            pytest.skip("PostgreSQL's raw path")

    async def test_a_failing_unit_takes_its_statements_back(self, db: Database) -> None:
        with pytest.raises(ValueError):
            async with db.transaction() as s:
                # The unit's first statement: it must begin the transaction, not autocommit.
                await INSERT.rows(s, {"name": "gone", "aggregate": "fast", "payload": {}})
                await INSERT.insert_many(s, [{"name": "gone too", "aggregate": "fast", "payload": {}}] * 2)
                raise ValueError("this unit fails")
        async with db.transaction() as s:
            await INSERT.rows(s, {"name": "kept", "aggregate": "fast", "payload": {}})
        assert [name for name, *_ in await _stored(db)] == ["kept"]

    async def test_a_locked_load_waits_for_the_transaction_holding_the_row(self, db: Database) -> None:
        async with db.transaction() as s:
            conv = await make_conversation(s)
        holding, order = asyncio.Event(), []

        async def first() -> None:
            async with db.transaction() as s:
                found = await BY_ID.one(s, {"conversation_id": conv.id})
                assert found is not None
                holding.set()
                await asyncio.sleep(0.3)  # the second one must wait for this commit
                found[0].last_seq = 5
                order.append("first commits")

        async def second() -> int:
            await holding.wait()
            async with db.transaction() as s:
                found = await BY_ID.one(s, {"conversation_id": conv.id})
                assert found is not None
                order.append("second reads")
                return found[0].last_seq

        _, seen = await asyncio.gather(first(), second())
        assert order == ["first commits", "second reads"] and seen == 5

    async def test_the_raw_path_is_taken_and_left_for_an_unknown_sqlalchemy(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        async with db.transaction() as s:
            assert isinstance(await fastsql._pg(s), fastsql.PgConnection)
        # A SQLAlchemy whose adapter lacks what the raw path drives: its own path, same result.
        monkeypatch.setattr(fastsql, "_ADAPTER_API", (*fastsql._ADAPTER_API, "_gone_in_a_new_release"))
        async with db.transaction() as s:
            assert await fastsql._pg(s) is None
            await INSERT.rows(s, {"name": "plain", "aggregate": "fast", "payload": {"a": 1}})
        assert [(name, payload) for name, payload, *_ in await _stored(db)] == [("plain", {"a": 1})]
