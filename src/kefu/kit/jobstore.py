"""The durable job table, its registrations and `enqueue` (kit.jobs is the public face;
kit.jobs.Worker runs them, kit.jobbatch runs a batch of one name in one unit).

Split from kit.jobs by role: this module knows rows and names, not how they are run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit import channels
from kefu.kit.db import Base, Database, after_commit
from kefu.kit.realtime import Bus, get_bus
from kefu.kit.time import utcnow

Handler = Callable[[AsyncSession, dict[str, Any]], Awaitable[None]]
# What an I/O job may hand back: its last write (recording the outcome), run in the same
# write unit that marks the job done instead of a unit of its own.
Finish = Callable[[AsyncSession], Awaitable[None]]
# For jobs that wait on the network (webhooks, mail): they get the Database and open short
# transactions themselves, so no lock is held while they wait. At-least-once: be idempotent.
IoHandler = Callable[[Database, dict[str, Any]], Awaitable[Finish | None]]
# An I/O handler that takes several jobs' payloads at once (one read, one kept-alive client,
# one finishing write for all of them); it must handle each payload, whatever the others do.
IoBatchHandler = Callable[[Database, list[dict[str, Any]]], Awaitable[Finish | None]]


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    DEAD = "dead"


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=8)
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_by: Mapped[str | None] = mapped_column(sa.String(120), nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    unique_key: Mapped[str | None] = mapped_column(sa.String(200), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)

    __table_args__ = (sa.Index("ix_jobs_status_run_at", "status", "run_at"),)


# The worker's statements, built once: building SQLAlchemy expressions costs more CPU than
# SQLite takes to run them, on every claim and every job. Core, on the unit's connection.
_jobs = cast(sa.Table, Job.__table__)
_INSERT = sa.insert(_jobs)
_READY = sa.or_(
    sa.and_(_jobs.c.status == JobStatus.QUEUED.value, _jobs.c.run_at <= sa.bindparam("now")),
    sa.and_(_jobs.c.status == JobStatus.RUNNING.value, _jobs.c.locked_until < sa.bindparam("now")),
)
# Ids and names only: a claim looks at more rows than it takes (a batch's worth per slot),
# and the payloads of those it takes come back from TAKE (no JSON decoded for the others).
CLAIM = (
    sa.select(_jobs.c.id, _jobs.c.name)
    .where(_READY)
    .where(_jobs.c.name.not_in(sa.bindparam("busy", expanding=True)))
    .order_by(_jobs.c.run_at, _jobs.c.id)
    .limit(sa.bindparam("limit"))
    .with_for_update(skip_locked=True)
)
TAKE = (
    sa.update(_jobs)
    .where(_jobs.c.id.in_(sa.bindparam("ids", expanding=True)))
    .values(
        status=JobStatus.RUNNING.value,
        locked_by=sa.bindparam("worker"),
        locked_until=sa.bindparam("until"),
        attempts=_jobs.c.attempts + 1,
    )
    .returning(_jobs.c.id, _jobs.c.payload)
)
_OWNED = sa.and_(
    _jobs.c.id == sa.bindparam("job_id"),
    _jobs.c.locked_by == sa.bindparam("worker"),
    _jobs.c.status == JobStatus.RUNNING.value,
)
FENCE = (
    sa.update(_jobs)
    .where(_OWNED)
    .values(status=JobStatus.DONE.value, finished_at=sa.bindparam("now"), last_error=None)
    .returning(_jobs.c.name, _jobs.c.payload)
)
DONE = sa.update(_jobs).where(_OWNED).values(status=JobStatus.DONE.value, finished_at=sa.bindparam("now"))
PAYLOAD = sa.select(_jobs.c.name, _jobs.c.payload).where(_OWNED)
# A batch's jobs (kit.jobbatch): fenced, or marked done, in one statement each.
_OWNED_MANY = sa.and_(
    _jobs.c.id.in_(sa.bindparam("ids", expanding=True)),
    _jobs.c.locked_by == sa.bindparam("worker"),
    _jobs.c.status == JobStatus.RUNNING.value,
)
FENCE_MANY = (
    sa.update(_jobs)
    .where(_OWNED_MANY)
    .values(status=JobStatus.DONE.value, finished_at=sa.bindparam("now"), last_error=None)
    .returning(_jobs.c.id, _jobs.c.attempts, _jobs.c.max_attempts)
)
DONE_MANY = (
    sa.update(_jobs).where(_OWNED_MANY).values(status=JobStatus.DONE.value, finished_at=sa.bindparam("now"))
)
# The jobs a batch's unit fenced but had no time for: running (still this worker's) again.
UNFENCE = (
    sa.update(_jobs)
    .where(
        _jobs.c.id.in_(sa.bindparam("ids", expanding=True)),
        _jobs.c.locked_by == sa.bindparam("worker"),
        _jobs.c.status == JobStatus.DONE.value,
    )
    .values(status=JobStatus.RUNNING.value, finished_at=None)
)
# A job of a fenced batch whose handler failed: queued again for later, or dead (its row is
# still this unit's: the fence above marked it done in the same transaction).
RETRY = (
    sa.update(_jobs)
    .where(_jobs.c.id == sa.bindparam("job_id"))
    .values(
        status=sa.bindparam("new_status"),
        run_at=sa.bindparam("retry_at"),
        finished_at=sa.bindparam("finished"),
        last_error=sa.bindparam("error"),
        locked_by=None,
        locked_until=None,
    )
)


@dataclass(frozen=True)
class Periodic:
    name: str
    every_seconds: int


_handlers: dict[str, Handler] = {}
_io_handlers: dict[str, IoHandler] = {}
_io_batch_handlers: dict[str, IoBatchHandler] = {}
# Plain handlers whose jobs may run several to a unit, each in its own savepoint (kit.jobbatch)
_batched: set[str] = set()
_periodic: dict[str, Periodic] = {}
_wakeup: asyncio.Event | None = None


def handler(name: str, *, batch: bool = False) -> Callable[[Handler], Handler]:
    """`batch`: jobs of this name that are due together run in one write unit, each in its
    own savepoint (one fence, one commit for all; a failing one rolls back and retries
    alone). For short jobs only: a batch holds SQLite's writer for all of them."""

    def decorate(fn: Handler) -> Handler:
        _handlers[name] = fn
        if batch:
            _batched.add(name)
        return fn

    return decorate


def io_handler(name: str) -> Callable[[IoHandler], IoHandler]:
    def decorate(fn: IoHandler) -> IoHandler:
        _io_handlers[name] = fn
        return fn

    return decorate


def io_batch_handler(name: str) -> Callable[[IoBatchHandler], IoBatchHandler]:
    """An I/O job run with the other jobs of its name that are due (up to the worker's batch
    size): the handler gets all their payloads, and its finishing write shares the one unit
    that marks them all done."""

    def decorate(fn: IoBatchHandler) -> IoBatchHandler:
        _io_batch_handlers[name] = fn
        return fn

    return decorate


def is_io(name: str) -> bool:
    return name in _io_handlers or name in _io_batch_handlers


def batches(name: str) -> bool:
    """Jobs of this name run several at a time (kit.jobbatch)."""
    return name in _batched or name in _io_batch_handlers


def periodic(name: str, every_seconds: int) -> Callable[[Handler], Handler]:
    """Register a handler that runs once per `every_seconds` slot across all workers."""

    def decorate(fn: Handler) -> Handler:
        _handlers[name] = fn
        _periodic[name] = Periodic(name, every_seconds)
        return fn

    return decorate


def set_wakeup(event: asyncio.Event | None) -> asyncio.Event | None:
    """The running worker's wake-up event (a commit that enqueued jobs sets it)."""
    global _wakeup
    _wakeup = event
    return event


def registered() -> list[str]:
    return sorted({*_handlers, *_io_handlers, *_io_batch_handlers})


def wake() -> None:
    if _wakeup is not None:
        _wakeup.set()


_HINT = {"type": "jobs"}


def bus_or_none() -> Bus | None:
    try:
        return get_bus()
    except RuntimeError:  # no bus started (scripts, some tests): the poll finds the jobs
        return None


async def _wake_after_commit() -> None:
    wake()
    bus = bus_or_none()
    if bus is not None:
        await bus.publish(channels.JOBS, _HINT)  # never raises: a lost hint waits for the poll


async def enqueue(
    session: AsyncSession,
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    run_at: datetime | None = None,
    unique_key: str | None = None,
    max_attempts: int = 8,
) -> None:
    """Add a job to the caller's transaction; it becomes visible to workers on commit."""
    values: dict[str, Any] = {
        "name": name,
        "payload": payload or {},
        "status": JobStatus.QUEUED,
        "attempts": 0,
        "max_attempts": max_attempts,
        "run_at": run_at or utcnow(),
        "unique_key": unique_key,
        "created_at": utcnow(),
    }
    if unique_key is None:
        # A Core INSERT on the unit's connection: no ORM object to track and flush.
        await (await session.connection()).execute(_INSERT, values)
    else:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(Job).values(**values).on_conflict_do_nothing(index_elements=["unique_key"])
        await session.execute(stmt)
    if _wake_after_commit not in session.info.get("after_commit", ()):  # one hint per commit
        after_commit(session, _wake_after_commit)


async def is_queued(session: AsyncSession, name: str, *, or_running: bool = False) -> bool:
    """A job of this name waits to run (to coalesce "redo X" requests into one run);
    `or_running`: or is running now (for a job that itself picks up what arrives while it
    runs, so a second one at the same time would only do the same work twice)."""
    statuses = [JobStatus.QUEUED, JobStatus.RUNNING] if or_running else [JobStatus.QUEUED]
    stmt = sa.select(Job.id).where(Job.name == name, Job.status.in_(statuses)).limit(1)
    return (await session.execute(stmt)).first() is not None


def backoff_seconds(attempts: int) -> float:
    """1 s, 4 s, 16 s ... capped at one hour."""
    return float(min(3600, 4 ** max(0, attempts - 1)))


async def queue_depth(db: Database) -> dict[str, int]:
    async with db.read() as session:
        rows = await session.execute(sa.select(Job.status, sa.func.count()).group_by(Job.status))
        return {status: int(count) for status, count in rows.all()}
