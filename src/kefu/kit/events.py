"""Typed domain events, persisted in the transaction and released only after commit.

`publish(session, event)` does three things inside the caller's transaction:
1. appends the event to the `events` table (audit, analytics and webhooks read it);
2. enqueues one durable job for the event's listeners (one row, however many listeners),
   so cross-domain side effects run after the publishing transaction commits, with
   retries per listener (see `_dispatch`);
3. schedules in-process after-commit hooks (realtime push), dropped on rollback.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, ClassVar, TypeVar, cast

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit import fastsql, jobs
from kefu.kit.db import Base, after_commit
from kefu.kit.time import utcnow


class DomainEvent(BaseModel):
    """Base of every event; subclasses set `name` ("<domain>.<past_verb>")."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    name: ClassVar[str]
    # What the event is about, for the audit trail and per-object history.
    aggregate: ClassVar[str] = ""

    def aggregate_id(self) -> int | None:
        return None


class EventRecord(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), index=True)
    aggregate: Mapped[str] = mapped_column(sa.String(40), default="")
    aggregate_id: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    actor_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (sa.Index("ix_events_aggregate", "aggregate", "aggregate_id"),)


# Built once (building the statement cost more CPU than running it, on every event).
_TABLE = cast(sa.Table, EventRecord.__table__)
_INSERT = sa.insert(_TABLE).returning(_TABLE.c.id)
_INSERT_FAST = fastsql.Statement(_INSERT)  # raw on the SQLite writer (kit.fastsql)
_INSERT_ORDERED = sa.insert(_TABLE).returning(_TABLE.c.id, sort_by_parameter_order=True)
_RECORD_MANAGER = sa.orm.attributes.manager_of_class(EventRecord)

E = TypeVar("E", bound=DomainEvent)
Listener = Callable[[AsyncSession, Any], Awaitable[None]]
Hook = Callable[[Any], Awaitable[None]]

_event_types: dict[str, type[DomainEvent]] = {}
_listeners: dict[str, dict[str, Listener]] = defaultdict(dict)
_hooks: dict[str, list[Hook]] = defaultdict(list)
Interceptor = Callable[[AsyncSession, EventRecord], Awaitable[None]]
_interceptors: list[Interceptor] = []
_LISTENER_JOB = "kefu.event_listener"
# Set by the app's registry once every listener module is imported: publishing earlier would
# enqueue no listener jobs for listeners not yet imported, silently dropping side effects.
_registry_loaded = False


def mark_registry_loaded() -> None:
    global _registry_loaded
    _registry_loaded = True


def intercept_all(fn: Interceptor) -> Interceptor:
    """Run `fn` inside the publishing transaction for every event (outgoing webhooks use
    this to record deliveries atomically with the change they report)."""
    _interceptors.append(fn)
    return fn


def register(cls: type[E]) -> type[E]:
    """Class decorator: make an event type known by its name (for decoding in listeners)."""
    _event_types[cls.name] = cls
    return cls


def listener(*event_types: type[DomainEvent]) -> Callable[[Listener], Listener]:
    """Run the decorated coroutine in a durable job after each event of these types commits."""

    def decorate(fn: Listener) -> Listener:
        key = f"{fn.__module__}.{fn.__qualname__}"
        for cls in event_types:
            register(cls)
            _listeners[cls.name][key] = fn
        return fn

    return decorate


def on_commit(*event_types: type[DomainEvent]) -> Callable[[Hook], Hook]:
    """Run the decorated coroutine in-process right after commit (not durable: realtime hints)."""

    def decorate(fn: Hook) -> Hook:
        for cls in event_types:
            register(cls)
            _hooks[cls.name].append(fn)
        return fn

    return decorate


async def publish(session: AsyncSession, event: DomainEvent, *, actor_id: int | None = None) -> None:
    await publish_many(session, [event], actor_id=actor_id)


async def publish_many(
    session: AsyncSession, events: Sequence[DomainEvent], *, actor_id: int | None = None
) -> None:
    """`publish` for several events of one unit at once, in order: their rows in one INSERT
    (a chat message and the bot's answer are two events; each statement is a round trip
    through SQLAlchemy that costs more CPU than SQLite spends on the row)."""
    if not _registry_loaded:
        raise RuntimeError(
            f"{events[0].name if events else 'an event'} published before kefu.registry.load_all(): "
            "its listeners would be skipped"
        )
    if not events:
        return
    now = utcnow()
    rows = [
        {
            "name": event.name,
            "aggregate": event.aggregate,
            "aggregate_id": event.aggregate_id(),
            "actor_id": actor_id,
            "payload": event.model_dump(mode="json"),
            "created_at": now,
        }
        for event in events
    ]
    # Core INSERT … RETURNING on the table, not ORM objects: no unit-of-work bookkeeping and
    # no autoflush of the caller's pending objects (events are on every hot path). The
    # records handed on are detached copies.
    if fastsql.raw_connection(session) is not None:  # the SQLite writer: consecutive rowids
        ids = sorted(int(row[0]) for row in await _INSERT_FAST.insert_many(session, rows))
    elif len(rows) == 1:  # PostgreSQL's raw path (kit.fastsql); several keep the sentinel below
        ids = [int((await _INSERT_FAST.rows(session, rows[0]))[0][0])]
    else:
        conn = await session.connection()  # the session's transaction, without its autoflush
        ids = await _insert_many(conn, rows)
    for event, values, new_id in zip(events, rows, ids, strict=True):
        record = _record(new_id, values)
        if _interceptors:  # they flush themselves when they need the event's id
            for interceptor in _interceptors:
                await interceptor(session, record)
        keys = list(_listeners.get(event.name, {}))
        if keys:  # one job row per event, however many listeners (see _dispatch)
            data = values["payload"]
            await jobs.enqueue(session, _LISTENER_JOB, {"listeners": keys, "event": event.name, "data": data})
        for hook in _hooks.get(event.name, []):
            after_commit(session, _bind(hook, event))


async def _insert_many(conn: AsyncConnection, rows: list[dict[str, Any]]) -> list[int]:
    """Ids of rows inserted by one multi-row INSERT, in the rows' order. PostgreSQL keeps the
    order with SQLAlchemy's sentinel; on SQLite that would fall back to one INSERT per row,
    so the plain multi-row INSERT is used and its ids sorted: the one writer connection
    gives the rows of one statement consecutive rowids in VALUES order."""
    # Rows, not .scalars(): a ScalarResult rebuilds the result's metadata on every call.
    if conn.dialect.name == "sqlite":
        return sorted(int(row[0]) for row in (await conn.execute(_INSERT, rows)).all())
    return [int(row[0]) for row in (await conn.execute(_INSERT_ORDERED, rows)).all()]


def _record(new_id: int, values: dict[str, Any]) -> EventRecord:
    """A detached EventRecord without the ORM constructor (which fires an attribute event per
    column: ~20 µs a record, on every chat line)."""
    if not _RECORD_MANAGER.mapper.configured:  # what the constructor would have done first
        sa.orm.configure_mappers()
    record: EventRecord = _RECORD_MANAGER.new_instance()
    record.__dict__.update(values, id=new_id)
    return record


def _bind(hook: Hook, event: DomainEvent) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await hook(event)

    return run


def known_events() -> list[str]:
    return sorted(_event_types)


def decode(name: str, data: dict[str, Any]) -> DomainEvent:
    return _event_types[name].model_validate(data)


# Batched: a backlog of events runs many to a unit, each job in its own savepoint (kit.jobbatch).
@jobs.handler(_LISTENER_JOB, batch=True)
async def _dispatch(session: AsyncSession, payload: dict[str, Any]) -> None:
    """Run an event's listeners. A job for one listener (`listener`) runs it plainly and
    retries as a whole. A job for several (`listeners`) runs each in its own savepoint: the
    ones that succeed commit with this job, and each one that fails is handed to a job of
    its own (same transaction) that retries it with backoff, so no listener runs twice and
    none is lost."""
    event = decode(payload["event"], payload["data"])
    if "listener" in payload:
        await _listener(payload["event"], payload["listener"])(session, event)
        return
    keys: list[str] = payload["listeners"]
    if len(keys) == 1:
        await _listener(payload["event"], keys[0])(session, event)
        return
    for key in keys:
        try:
            async with session.begin_nested():
                await _listener(payload["event"], key)(session, event)
        except Exception:
            await jobs.enqueue(
                session, _LISTENER_JOB, {"listener": key, "event": event.name, "data": payload["data"]}
            )


def _listener(event_name: str, key: str) -> Listener:
    fn = _listeners.get(event_name, {}).get(key)
    if fn is None:
        raise LookupError(f"no listener {key} for {event_name}")
    return fn
