"""SQLite's one writer: a FIFO of write units sharing group commits.

SQLite allows one writer at a time. Letting every request take the lock with BEGIN
IMMEDIATE made waiters sleep in SQLite's busy handler and wake in random order (seconds of
tail latency), and each request paid its own fsync. Instead every write unit of the
process (a POST request, a job, a chat message) queues here in arrival order; units run one
after another on the single writer connection, each in its own SAVEPOINT, inside one outer
transaction that commits when nobody else is waiting or when the units that were queued
as the batch began have run (at most `max_batch`). So one
failing unit rolls back alone, many units share one fsync, and every caller is answered
only after the commit that stores its work: an acknowledgement still means "stored".
A batch's first unit needs no SAVEPOINT (nothing else is in the transaction yet), and the
one connection stays checked out between batches.

Units get their own `AsyncSession` (own identity map) joined to the shared connection, so
one unit never sees another's ORM objects, only its committed-or-pending rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import sysconfig
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import structlog
from prometheus_client import Histogram
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from kefu.kit.fastsql import RAW, RawConnection
from kefu.kit.sqlite_inline import InlineConnection

log = structlog.get_logger(__name__)
MAX_BATCH = 64
Hook = Callable[[], Awaitable[None]]
_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
# A unit's wait for the writer is latency no loop-stall watch sees (the loop is free while
# it waits); a slow commit (fsync, a WAL checkpoint) holds every queued unit at once.
UNIT_WAIT = Histogram(
    "kefu_writer_wait_seconds", "How long a write unit queued for SQLite's writer", buckets=_BUCKETS
)
HOLD = Histogram("kefu_writer_hold_seconds", "How long one write unit held the writer", buckets=_BUCKETS)
_LIBRARY_DIRS = tuple(
    {sysconfig.get_path("stdlib"), sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
)
SLOW_HOLD_SECONDS = 0.1  # a unit holding the writer this long is logged with where it ran
COMMIT = Histogram("kefu_writer_commit_seconds", "How long each group commit took", buckets=_BUCKETS)


@dataclass
class WriterStats:
    """Counters for tests and the benchmark notes (units per commit = batching achieved)."""

    units: int = 0
    failed_units: int = 0
    commits: int = 0
    largest_batch: int = 0


@dataclass
class _Done:
    future: asyncio.Future[None]
    hooks: list[Hook] = field(default_factory=list)


class Writer:
    def __init__(self, engine: AsyncEngine, *, max_batch: int = MAX_BATCH) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.stats = WriterStats()
        self._lock = asyncio.Lock()  # FIFO: waiters are served in the order they came
        self._waiting = 0
        self._conn: AsyncConnection | None = None  # set while a batch's transaction is open
        # The one connection, kept between batches: checking it out of the pool and back
        # (with the pool's reset) cost more CPU than a one-unit batch's own statements.
        self._held: AsyncConnection | None = None
        self._done: list[_Done] = []
        self._batch_left = 0
        self._raw: RawConnection | None = None  # the held connection's sqlite3 handle (kit.fastsql)

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[AsyncSession]:
        """One write unit; on normal exit it is stored once this returns (hooks have run)."""
        self._waiting += 1
        queued = time.perf_counter()
        try:
            await self._lock.acquire()
        finally:
            self._waiting -= 1
        held_from = time.perf_counter()
        UNIT_WAIT.observe(held_from - queued)
        done: _Done | None = None
        first = self._conn is None
        try:
            if first:
                # This batch takes the units queued right now (bounded): later arrivals go
                # to the next one, so under steady load a unit waits for about two batches,
                # not for the queue to run dry.
                self._batch_left = min(self.max_batch, self._waiting + 1)
                fresh = self._held is None
                conn = self._held or await self.engine.connect()
                self._held = None
                try:
                    await conn.begin()  # BEGIN IMMEDIATE (see kit.db): the write lock, once per batch
                except BaseException:
                    await conn.close()
                    raise
                self._conn = self._held = conn
                if fresh:
                    self._raw = await _raw_connection(conn)
            # The batch's first unit is alone in the transaction: it needs no SAVEPOINT of its
            # own (on failure the whole transaction is rolled back). Under light load every
            # unit is first, and SAVEPOINT + RELEASE were two of its ~7 statements.
            session = AsyncSession(
                bind=self._conn,
                join_transaction_mode="rollback_only" if first else "create_savepoint",
                expire_on_commit=False,
            )
            session.info["after_commit"] = []
            if self._raw is not None:
                session.info[RAW] = self._raw
            try:
                yield session
                await session.commit()  # flush + RELEASE SAVEPOINT; durable at the batch commit
            except BaseException:
                self.stats.failed_units += 1
                session.info.pop("after_commit", None)
                with contextlib.suppress(Exception):
                    await session.rollback()  # back to this unit's savepoint only
                if first:  # no savepoint: the batch's transaction held only this unit
                    await self._discard()
                raise
            finally:
                hooks: list[Hook] = session.info.pop("after_commit", [])
                await session.close()
            done = _Done(asyncio.get_running_loop().create_future(), hooks)
            self._done.append(done)
            self.stats.units += 1
        finally:
            self._batch_left -= 1
            try:
                if self._conn is not None and (self._waiting == 0 or self._batch_left <= 0):
                    await self._commit()
            finally:
                self._lock.release()
                _note_hold(time.perf_counter() - held_from)
        await done.future  # raises when the shared commit failed: nothing of this unit is stored
        for hook in done.hooks:
            await hook()

    async def run(self, work: Callable[[AsyncSession], Awaitable[object]]) -> object:
        async with self.unit() as session:
            return await work(session)

    async def _discard(self) -> None:
        """Roll back and drop the batch's connection (it held nothing of anyone else's)."""
        conn, self._conn = self._conn, None
        assert conn is not None and not self._done
        try:
            await conn.rollback()
        except Exception:
            await self._drop(conn)

    async def _commit(self) -> None:
        conn, done = self._conn, self._done
        self._conn, self._done = None, []
        assert conn is not None
        self.stats.commits += 1
        self.stats.largest_batch = max(self.stats.largest_batch, len(done))
        started = time.perf_counter()
        try:
            await conn.commit()
            COMMIT.observe(time.perf_counter() - started)
        except Exception as exc:
            log.warning("writer.commit_failed", size=len(done), error=repr(exc))
            with contextlib.suppress(Exception):
                await conn.rollback()
            await self._drop(conn)  # a connection whose commit failed is not trusted again
            for d in done:
                if not d.future.done():
                    d.future.set_exception(exc)
        except BaseException:  # cancelled mid-commit: its outcome unknown, never reuse it
            await self._drop(conn)
            raise
        else:
            for d in done:
                if not d.future.done():
                    d.future.set_result(None)

    async def _drop(self, conn: AsyncConnection) -> None:
        if self._held is conn:
            self._held = None
        with contextlib.suppress(Exception):
            await conn.close()

    async def close(self) -> None:
        """Give the held connection back (Database.dispose, before the engine goes)."""
        if self._held is not None and self._conn is None:
            await self._drop(self._held)


def _note_hold(seconds: float) -> None:
    HOLD.observe(seconds)
    if seconds >= SLOW_HOLD_SECONDS:
        # The stack is still the unit's (its `async with` is unwinding): it names the holder,
        # by the innermost frames of our own code (not the standard library's or a package's).
        frames = [
            f
            for f in traceback.extract_stack()
            if ("/site-packages/kefu/" in f.filename or not f.filename.startswith(_LIBRARY_DIRS))
            and not f.filename.endswith(("kit/writer.py", "kit/db.py"))
        ][-4:]
        log.warning(
            "writer.slow_unit",
            held_ms=round(seconds * 1000),
            where=[f"{'/'.join(f.filename.split('/')[-2:])}:{f.lineno} {f.name}" for f in frames],
        )


async def _raw_connection(conn: AsyncConnection) -> RawConnection | None:
    """The sqlite3 connection under the writer's (kit.sqlite_inline), for kit.fastsql."""
    driver = (await conn.get_raw_connection()).driver_connection
    if not isinstance(driver, InlineConnection):
        return None
    return RawConnection(driver.raw, conn.dialect, conn.sync_engine.dispatch)
