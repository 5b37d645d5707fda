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
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, ClassVar, TypeVar, cast

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit import jobs
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
_INSERT = sa.insert(cast(sa.Table, EventRecord.__table__)).returning(EventRecord.__table__.c.id)

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
    if not _registry_loaded:
        raise RuntimeError(
            f"{event.name} published before kefu.registry.load_all(): its listeners would be skipped"
        )
    payload = event.model_dump(mode="json")
    values = {
        "name": event.name,
        "aggregate": event.aggregate,
        "aggregate_id": event.aggregate_id(),
        "actor_id": actor_id,
        "payload": payload,
        "created_at": utcnow(),
    }
    # One Core INSERT … RETURNING on the table, not an ORM object: no unit-of-work
    # bookkeeping and no autoflush of the caller's pending objects (events are on every hot
    # path — a chat message publishes one). The record handed on is a detached copy.
    conn = await session.connection()  # the session's transaction, without its autoflush
    new_id = (await conn.execute(_INSERT, values)).scalar_one()
    record = EventRecord(id=new_id, **values)
    if _interceptors:  # they flush themselves when they need the event's id
        for interceptor in _interceptors:
            await interceptor(session, record)
    keys = list(_listeners.get(event.name, {}))
    if keys:  # one job row per event, however many listeners (see _dispatch)
        await jobs.enqueue(session, _LISTENER_JOB, {"listeners": keys, "event": event.name, "data": payload})
    for hook in _hooks.get(event.name, []):
        after_commit(session, _bind(hook, event))


def _bind(hook: Hook, event: DomainEvent) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await hook(event)

    return run


def known_events() -> list[str]:
    return sorted(_event_types)


def decode(name: str, data: dict[str, Any]) -> DomainEvent:
    return _event_types[name].model_validate(data)


@jobs.handler(_LISTENER_JOB)
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
