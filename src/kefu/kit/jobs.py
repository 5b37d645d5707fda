"""Durable background jobs in the database.

Jobs are rows enqueued inside the caller's transaction, so a rollback drops them and a
commit releases them. Workers claim rows atomically (`FOR UPDATE SKIP LOCKED` on
PostgreSQL; on SQLite a claim is a unit of the process's one writer, kit.writer). A job's
handler runs in the same transaction that marks the job done, so its effects commit exactly once; a failed
handler rolls back and the job is retried with exponential backoff, then parked as `dead`
for an admin to see and retry. Periodic jobs are enqueued once per time slot through a
unique key, however many workers run.

A worker polls the table every `poll_seconds`, but does not wait for it: a commit that
enqueued jobs wakes the process's own worker and publishes a hint on the realtime bus
(`channels.JOBS`; Redis in cluster mode), on which every worker listens. The hint may be
lost (pub/sub); the poll is the fallback.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import traceback
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import partial
from typing import Any, cast

import sqlalchemy as sa
import structlog
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit import channels, outbound
from kefu.kit.db import Base, Database, after_commit
from kefu.kit.realtime import Bus, Subscription, get_bus
from kefu.kit.time import utcnow

_log = structlog.get_logger(__name__)
Handler = Callable[[AsyncSession, dict[str, Any]], Awaitable[None]]
# What an I/O job may hand back: its last write (recording the outcome), run in the same
# write unit that marks the job done instead of a unit of its own.
Finish = Callable[[AsyncSession], Awaitable[None]]
# For jobs that wait on the network (webhooks, mail): they get the Database and open short
# transactions themselves, so no lock is held while they wait. At-least-once: be idempotent.
IoHandler = Callable[[Database, dict[str, Any]], Awaitable[Finish | None]]


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
_CLAIM = (
    sa.select(_jobs.c.id, _jobs.c.name, _jobs.c.payload)
    .where(_READY)
    .where(_jobs.c.name.not_in(sa.bindparam("busy", expanding=True)))
    .order_by(_jobs.c.run_at, _jobs.c.id)
    .limit(sa.bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_TAKE = (
    sa.update(_jobs)
    .where(_jobs.c.id.in_(sa.bindparam("ids", expanding=True)))
    .values(
        status=JobStatus.RUNNING.value,
        locked_by=sa.bindparam("worker"),
        locked_until=sa.bindparam("until"),
        attempts=_jobs.c.attempts + 1,
    )
)
_OWNED = sa.and_(
    _jobs.c.id == sa.bindparam("job_id"),
    _jobs.c.locked_by == sa.bindparam("worker"),
    _jobs.c.status == JobStatus.RUNNING.value,
)
_FENCE = (
    sa.update(_jobs)
    .where(_OWNED)
    .values(status=JobStatus.DONE.value, finished_at=sa.bindparam("now"), last_error=None)
    .returning(_jobs.c.name, _jobs.c.payload)
)
_DONE = sa.update(_jobs).where(_OWNED).values(status=JobStatus.DONE.value, finished_at=sa.bindparam("now"))
_PAYLOAD = sa.select(_jobs.c.name, _jobs.c.payload).where(_OWNED)


@dataclass(frozen=True)
class Periodic:
    name: str
    every_seconds: int


_handlers: dict[str, Handler] = {}
_io_handlers: dict[str, IoHandler] = {}
_periodic: dict[str, Periodic] = {}
_wakeup: asyncio.Event | None = None


def handler(name: str) -> Callable[[Handler], Handler]:
    def decorate(fn: Handler) -> Handler:
        _handlers[name] = fn
        return fn

    return decorate


def io_handler(name: str) -> Callable[[IoHandler], IoHandler]:
    def decorate(fn: IoHandler) -> IoHandler:
        _io_handlers[name] = fn
        return fn

    return decorate


def periodic(name: str, every_seconds: int) -> Callable[[Handler], Handler]:
    """Register a handler that runs once per `every_seconds` slot across all workers."""

    def decorate(fn: Handler) -> Handler:
        _handlers[name] = fn
        _periodic[name] = Periodic(name, every_seconds)
        return fn

    return decorate


def registered() -> list[str]:
    return sorted({*_handlers, *_io_handlers})


def _wake() -> None:
    if _wakeup is not None:
        _wakeup.set()


_HINT = {"type": "jobs"}


def _bus() -> Bus | None:
    try:
        return get_bus()
    except RuntimeError:  # no bus started (scripts, some tests): the poll finds the jobs
        return None


async def _wake_after_commit() -> None:
    _wake()
    bus = _bus()
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


async def is_queued(session: AsyncSession, name: str) -> bool:
    """A job of this name waits to run (to coalesce "redo X" requests into one run)."""
    stmt = sa.select(Job.id).where(Job.name == name, Job.status == JobStatus.QUEUED).limit(1)
    return (await session.execute(stmt)).first() is not None


def backoff_seconds(attempts: int) -> float:
    """1 s, 4 s, 16 s ... capped at one hour."""
    return float(min(3600, 4 ** max(0, attempts - 1)))


class Worker:
    """Claims and runs jobs; one per process (embedded) or per `kefu worker`."""

    def __init__(
        self,
        db: Database,
        *,
        concurrency: int = 4,
        lease_seconds: int = 300,
        poll_seconds: float = 1.0,
        worker_id: str | None = None,
        drain_seconds: float = 20.0,
    ) -> None:
        self.db = db
        self.concurrency = concurrency
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self.drain_seconds = drain_seconds  # how long shutdown waits for in-flight jobs
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._stopping = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()
        # claimed job id -> (name, payload), until it runs: no read to tell an I/O job from a
        # plain one, nor to fetch an I/O job's payload
        self._claimed: dict[int, tuple[str, dict[str, Any]]] = {}
        # Jobs of one name take at most all slots but one: a backlog of long jobs (an
        # analytics refresh after an import, minutes each) must not hold every slot while
        # hand-offs' routing jobs and the periodic sweeps wait behind it.
        self.per_name = max(1, concurrency - 1)
        self._names: Counter[str] = Counter()  # running jobs by name (run())
        self._slots: dict[str, int] = {}  # periodic job -> the last slot this worker enqueued
        self._capped = False

    async def claim(self, limit: int) -> list[int]:
        """Take up to `limit` ready jobs (queued and due, or running on a lost worker's
        expired lease)."""
        now = utcnow()
        taken = Counter(self._names)
        busy = [name for name, n in taken.items() if n >= self.per_name]
        async with self.db.transaction() as session:
            conn = await session.connection()
            rows = (await conn.execute(_CLAIM, {"now": now, "limit": limit, "busy": busy})).all()
            ids: list[int] = []
            for r in rows:  # a batch keeps to the cap too; the rest stays queued
                if taken[r.name] < self.per_name:
                    taken[r.name] += 1
                    ids.append(r.id)
                    self._claimed[r.id] = (r.name, dict(r.payload or {}))
            self._capped = len(ids) < len(rows)  # others may wait behind: claim again now
            if ids:
                await conn.execute(_TAKE, {"ids": ids, "worker": self.worker_id, "until": now + self.lease})
        return ids

    async def run_job(self, job_id: int) -> None:
        try:
            claimed = self._claimed.pop(job_id, None)
            io = claimed is None or claimed[0] in _io_handlers
            if io and await self._run_io_job(job_id, claimed):
                return
            async with self.db.transaction() as session:
                # Fence first: the UPDATE locks the row (PostgreSQL) and proves we still own it.
                conn = await session.connection()
                row = (await conn.execute(_FENCE, {**self._key(job_id), "now": utcnow()})).first()
                if row is None:
                    return
                fn = _handlers.get(row.name)
                if fn is None:
                    raise LookupError(f"no handler registered for job {row.name!r}")
                await fn(session, dict(row.payload))
        except asyncio.CancelledError:
            await self._release([job_id])
            raise
        except Exception:
            error = traceback.format_exc(limit=20)
            try:
                await self._failed(job_id, error)
            except Exception as unrecorded:  # e.g. no connection free (kit.admission)
                # The job stays claimed; its lease runs out and it is claimed again.
                _log.warning("jobs.failure_not_recorded", job_id=job_id, error=repr(unrecorded))

    def _key(self, job_id: int) -> dict[str, Any]:
        return {"job_id": job_id, "worker": self.worker_id}

    async def _run_io_job(self, job_id: int, claimed: tuple[str, dict[str, Any]] | None) -> bool:
        """Run an I/O job outside any transaction; False if the job is a plain one. The
        handler's finishing write (if it returns one) shares the unit that marks it done."""
        if claimed is None:  # not claimed by this worker's claim(): read what it is
            async with self.db.read() as session:
                row = (await session.execute(_PAYLOAD, self._key(job_id))).first()
            if row is None:
                return False
            claimed = (row.name, dict(row.payload))
        name, payload = claimed
        if name not in _io_handlers:
            return False
        finish = await _io_handlers[name](self.db, payload)
        async with self.db.transaction() as session:
            if finish is not None:
                await finish(session)
            await (await session.connection()).execute(_DONE, {**self._key(job_id), "now": utcnow()})
        return True

    async def _failed(self, job_id: int, error: str) -> None:
        async with self.db.transaction() as session:
            job = await session.get(Job, job_id)
            if job is None or job.locked_by != self.worker_id:
                return
            job.last_error = error[-4000:]
            job.locked_by = None
            job.locked_until = None
            if job.attempts >= job.max_attempts:
                job.status = JobStatus.DEAD
                job.finished_at = utcnow()
            else:
                job.status = JobStatus.QUEUED
                job.run_at = utcnow() + timedelta(seconds=backoff_seconds(job.attempts))

    async def _release(self, job_ids: list[int]) -> None:
        """Give claimed jobs back (graceful shutdown); the attempt does not count."""
        with contextlib.suppress(Exception):
            async with self.db.transaction() as session:
                await session.execute(
                    sa.update(Job)
                    .where(Job.id.in_(job_ids), Job.locked_by == self.worker_id)
                    .where(Job.status == JobStatus.RUNNING)
                    .values(
                        status=JobStatus.QUEUED,
                        locked_by=None,
                        locked_until=None,
                        attempts=sa.func.max(Job.attempts - 1, 0)
                        if self.db.is_sqlite
                        else sa.func.greatest(Job.attempts - 1, 0),
                    )
                )

    async def schedule_periodic(self) -> None:
        """Enqueue each periodic job's current slot; a slot this worker already enqueued is
        not sent again (it was ~25 INSERT … ON CONFLICT a second, per worker, idle or not)."""
        now = int(utcnow().timestamp())
        due = [(spec, now // spec.every_seconds) for spec in _periodic.values()]
        due = [(spec, slot) for spec, slot in due if self._slots.get(spec.name) != slot]
        if not due:
            return
        async with self.db.transaction() as session:
            for spec, slot in due:
                await enqueue(session, spec.name, {"slot": slot}, unique_key=f"periodic:{spec.name}:{slot}")
        self._slots.update((spec.name, slot) for spec, slot in due)  # committed (or another's)

    async def run_until_idle(self, max_rounds: int = 100, *, concurrent: bool = False) -> int:
        """Run ready jobs until none is left (tests and `kefu worker --once`). `concurrent`
        runs each claimed batch at once, as `run` does, so their units share commits."""
        done = 0
        for _ in range(max_rounds):
            ids = await self.claim(self.concurrency)
            if not ids:
                break
            if concurrent:
                await asyncio.gather(*(self.run_job(job_id) for job_id in ids))
            else:
                for job_id in ids:
                    await self.run_job(job_id)
            done += len(ids)
        return done

    async def run(self) -> None:
        """Claim and run jobs until `stop()`; in-flight jobs finish or are released."""
        async with outbound.keep_alive():  # I/O jobs to one host reuse a connection
            await self._run()

    async def _run(self) -> None:
        global _wakeup
        _wakeup = asyncio.Event()
        last_periodic = 0.0
        loop = asyncio.get_running_loop()
        bus = _bus()
        hints = await bus.subscribe(channels.JOBS) if bus is not None else None
        listener = asyncio.create_task(self._listen(hints)) if hints is not None else None
        try:
            while not self._stopping.is_set():
                if loop.time() - last_periodic >= 1.0:
                    with contextlib.suppress(Exception):
                        await self.schedule_periodic()
                    last_periodic = loop.time()
                free = self.concurrency - len(self._running)
                ids = await self._safe_claim(free) if free > 0 else []
                for job_id in ids:
                    name = self._claimed[job_id][0]
                    self._names[name] += 1
                    task = asyncio.create_task(self.run_job(job_id))
                    self._running.add(task)
                    task.add_done_callback(self._running.discard)
                    task.add_done_callback(partial(self._finished, name))
                if ids and (len(ids) == free or self._capped):
                    await asyncio.sleep(0)
                    continue
                _wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wait_any(), timeout=self.poll_seconds)
        finally:
            if listener is not None:
                listener.cancel()
            if bus is not None and hints is not None:
                with contextlib.suppress(Exception):
                    await bus.unsubscribe(hints)
            await self._drain()

    @staticmethod
    async def _listen(hints: Subscription) -> None:
        """Another process committed jobs (or the bus lost messages: look anyway)."""
        while True:
            await hints.get()
            _wake()

    def _finished(self, name: str, _task: asyncio.Task[None]) -> None:
        self._names[name] -= 1
        if self._names[name] <= 0:
            del self._names[name]
        _wake()  # a free slot: claim again now

    async def _wait_any(self) -> None:
        assert _wakeup is not None
        waiters = [asyncio.create_task(_wakeup.wait()), asyncio.create_task(self._stopping.wait())]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()

    async def _safe_claim(self, limit: int) -> list[int]:
        try:
            return await self.claim(limit)
        except Exception:  # the database away: retry soon, however long the poll
            await asyncio.sleep(min(self.poll_seconds, 1.0))
            return []

    async def _drain(self) -> None:
        """Let in-flight jobs finish; past the deadline cancel them, which releases them."""
        if self._running:
            _done, pending = await asyncio.wait(self._running, timeout=self.drain_seconds)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=5)

    def stop(self) -> None:
        self._stopping.set()


async def queue_depth(db: Database) -> dict[str, int]:
    async with db.read() as session:
        rows = await session.execute(sa.select(Job.status, sa.func.count()).group_by(Job.status))
        return {status: int(count) for status, count in rows.all()}
