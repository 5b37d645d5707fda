"""Domain events: persisted with the transaction, listeners and hooks only after commit."""

from __future__ import annotations

from typing import ClassVar

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit.db import Database
from kefu.kit.events import DomainEvent, EventRecord, listener, on_commit, publish
from kefu.kit.jobs import Worker

SEEN: list[tuple[str, int]] = []


class Pinged(DomainEvent):
    name: ClassVar[str] = "test.pinged"
    aggregate: ClassVar[str] = "test"
    n: int

    def aggregate_id(self) -> int | None:
        return self.n


@listener(Pinged)
async def on_ping(session: AsyncSession, event: Pinged) -> None:
    SEEN.append(("listener", event.n))


@on_commit(Pinged)
async def hook(event: Pinged) -> None:
    SEEN.append(("hook", event.n))


@pytest.fixture(autouse=True)
def _reset() -> None:
    SEEN.clear()


async def _events(db: Database) -> list[EventRecord]:
    async with db.session() as s:
        return list((await s.execute(sa.select(EventRecord))).scalars())


class TestPublish:
    async def test_committed_event_is_stored_then_hooked_then_listened(self, db: Database) -> None:
        async with db.transaction() as s:
            await publish(s, Pinged(n=7), actor_id=None)
            assert SEEN == []  # nothing leaves before commit
        assert SEEN == [("hook", 7)]
        [record] = await _events(db)
        assert (record.name, record.aggregate, record.aggregate_id, record.payload) == (
            "test.pinged",
            "test",
            7,
            {"n": 7},
        )
        await Worker(db).run_until_idle()
        assert SEEN == [("hook", 7), ("listener", 7)]

    async def test_rolled_back_event_leaves_no_trace(self, db: Database) -> None:
        with pytest.raises(ValueError):
            async with db.transaction() as s:
                await publish(s, Pinged(n=1))
                raise ValueError("abort")
        await Worker(db).run_until_idle()
        assert SEEN == []
        assert await _events(db) == []

    def test_events_refuse_unknown_fields(self) -> None:
        with pytest.raises(ValueError):
            Pinged(n=1, extra=2)  # type: ignore[call-arg]
