"""Database plumbing: declarative base, engines with backend-specific set-up, sessions.

SQLite runs in WAL mode with synchronous=FULL and foreign keys on. Writes and reads are
separate paths, chosen explicitly by the caller (`transaction()` vs `read()`; per route in
`deps.get_session`, per job in `kit.jobs`):
- writes go through the process's one `Writer` (kit.writer): a FIFO of units on one
  connection, group-committed;
- reads run on a small pool of reader connections (`query_only`), each in a WAL snapshot
  opened with a deferred BEGIN, so they never take or wait for the write lock.
PostgreSQL (asyncpg) keeps one pooled engine for both (kit.pgpool: its size, and why a
connection is pinged only after sitting idle); at most pool-size units run at once, the rest
queue in the process, and past a bound are refused as retryable (kit.admission).
The request scope (or a job) owns the transaction: services never commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from datetime import datetime
from functools import partial
from typing import Any, ClassVar, TypeVar

import sqlalchemy as sa
import structlog
from sqlalchemy import event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from kefu.kit.admission import MAX_WAIT_SECONDS, MAX_WAITING, Admission, Overloaded
from kefu.kit.pgpool import MAX_OVERFLOW, POOL_SIZE, create_pg_engine
from kefu.kit.sqlite_inline import connect as inline_connect
from kefu.kit.time import ensure_utc, utcnow
from kefu.kit.writer import Writer

_log = structlog.get_logger(__name__)

READER_POOL = 4  # reader connections; each has its own aiosqlite thread

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on both backends (SQLite stores naive text)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use timezone-aware UTC")
        return ensure_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else ensure_utc(value)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow, nullable=False)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # Take the write lock at BEGIN: a deferred transaction that later writes can fail with
    # SQLITE_BUSY mid-way instead of waiting on busy_timeout.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin_read(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")  # deferred: a WAL read snapshot from the first SELECT


def _sqlite_read_only(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA query_only=ON")  # a write on a read path fails loudly
    cursor.close()


def _no_pysqlite_begin(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we emit BEGIN ourselves


def create_engine(
    url: str,
    *,
    echo: bool = False,
    read_only: bool = False,
    inline: bool = False,
    pool_size: int = POOL_SIZE,
    max_overflow: int = MAX_OVERFLOW,
) -> AsyncEngine:
    """`read_only`: a reader pool; `inline`: the writer's one connection (kit.sqlite_inline)."""
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"pool_size": READER_POOL, "max_overflow": READER_POOL} if read_only else {}
        if inline:
            path = sa.engine.make_url(url).database or ""
            kwargs = {
                "pool_size": 1,
                "max_overflow": 0,
                "async_creator": partial(inline_connect, path, timeout=30),
            }
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30}, **kwargs)
        sync_engine = engine.sync_engine
        event.listen(sync_engine, "connect", _sqlite_pragmas)
        event.listen(sync_engine, "connect", _no_pysqlite_begin)
        if read_only:
            event.listen(sync_engine, "connect", _sqlite_read_only)
            event.listen(sync_engine, "begin", _sqlite_begin_read)
        else:
            event.listen(sync_engine, "begin", _sqlite_begin)
        return engine
    return create_pg_engine(url, echo=echo, pool_size=pool_size, max_overflow=max_overflow)


AfterCommit = Callable[[], Awaitable[None]]
F = TypeVar("F", bound=Callable[..., Any])
_ACCESS = "__kefu_db_access__"


def writes(fn: F) -> F:
    """Declare that a route or job writes (a GET route that records something)."""
    setattr(fn, _ACCESS, "write")
    return fn


def reads(fn: F) -> F:
    """Declare that a route or job only reads (a POST that only computes, e.g. a search)."""
    setattr(fn, _ACCESS, "read")
    return fn


def declared_access(fn: object) -> str | None:
    value = getattr(fn, _ACCESS, None)
    return value if isinstance(value, str) else None


def after_commit(session: AsyncSession, callback: AfterCommit) -> None:
    """Run `callback` once the session's transaction has committed (dropped on rollback)."""
    session.info.setdefault("after_commit", []).append(callback)


class ReadOnlyViolation(RuntimeError):
    """A read path changed ORM objects: declare the route or job as a writer."""


class Database:
    """Engines and session factories; one per process."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        pool_size: int = POOL_SIZE,
        max_overflow: int = MAX_OVERFLOW,
        queue_seconds: float = MAX_WAIT_SECONDS,
        queue_max: int = MAX_WAITING,
        refused: Callable[[str], Exception] = Overloaded,
    ) -> None:
        """`pool_size`, `max_overflow`: PostgreSQL's pool; `queue_seconds`, `queue_max`: how
        long and how many units may wait for one of its `pool_size` slots before `refused`
        (the app's 503) is raised (kit.admission). SQLite ignores them."""
        self.url = url
        # The write engine (BEGIN IMMEDIATE on SQLite). `sessionmaker` stays for callers
        # that manage their own transaction (migrations, tests); the app writes through
        # `transaction()`.
        self.engine = create_engine(url, echo=echo, pool_size=pool_size, max_overflow=max_overflow)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        self.read_engine = create_engine(url, echo=echo, read_only=True) if self.is_sqlite else self.engine
        self.readmaker = async_sessionmaker(self.read_engine, expire_on_commit=False, autoflush=False)
        self.writer_engine = create_engine(url, echo=echo, inline=True) if self.is_sqlite else self.engine
        self.writer: Writer | None = Writer(self.writer_engine) if self.is_sqlite else None
        self.admission: Admission | None = (
            None
            if self.is_sqlite
            else Admission(pool_size, max_waiting=queue_max, max_wait_seconds=queue_seconds, refused=refused)
        )
        # Helpers bound to this database (the group-commit writer) stop before the engine.
        self.on_dispose: list[Callable[[], Awaitable[None]]] = []

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A plain session on the write engine; the caller commits (scripts and tests; the
        app uses `read` or `transaction`)."""
        async with self.sessionmaker() as session:
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """Read-only work in one snapshot; never takes the write lock. After-commit hooks a
        read path registers (a deferred touch) run at the end."""
        async with self.readmaker() as session, self._admitted():
            session.info["read_only"] = True
            session.info["db"] = self
            try:
                yield session
                if session.new or session.dirty or session.deleted:
                    raise ReadOnlyViolation("a read-only session changed data; declare it a writer")
            except BaseException:
                session.info.pop("after_commit", None)
                await session.rollback()
                raise
            # Ends the snapshot (nothing was written); unlike rollback it leaves the loaded
            # objects usable after the block.
            await session.commit()
        await run_after_commit(session)

    def _admitted(self) -> AbstractAsyncContextManager[None]:
        """A slot for one PostgreSQL unit, held until its commit or rollback returned the
        connection (after-commit work runs outside it)."""
        return self.admission.slot() if self.admission is not None else nullcontext()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A write unit: commit on success, roll back on error; after-commit callbacks run
        after commit. On SQLite it queues for the writer and shares its group commit."""
        if self.writer is not None:
            async with self.writer.unit() as session:
                yield session
            return
        async with self.sessionmaker() as session:
            async with self._admitted():
                try:
                    yield session
                    await session.commit()
                except BaseException:
                    session.info.pop("after_commit", None)
                    await session.rollback()
                    raise
            await run_after_commit(session)

    async def dispose(self) -> None:
        for callback in self.on_dispose:
            await callback()
        self.on_dispose.clear()
        await self.engine.dispose()
        if self.is_sqlite:
            await self.read_engine.dispose()
            if self.writer is not None:
                await self.writer.close()
            await self.writer_engine.dispose()


async def run_after_commit(session: AsyncSession) -> None:
    callbacks: list[AfterCommit] = session.info.pop("after_commit", [])
    for callback in callbacks:
        await callback()


async def write_soon(session: AsyncSession, work: Callable[[AsyncSession], Awaitable[Any]]) -> None:
    """A small best-effort write from any path (a page-view counter, a last-seen stamp): at
    once in a write session; after a read-only session ends, in a write unit of its own, so
    a GET keeps its snapshot and never takes the write lock. A failure is logged, never the
    reader's error."""
    db = session.info.get("db")
    if not session.info.get("read_only") or not isinstance(db, Database):
        await work(session)
        return

    async def later() -> None:
        try:
            async with db.transaction() as s:
                await work(s)
        except Exception as exc:  # a lost counter bump must not fail the page
            _log.warning("db.write_soon_failed", error=str(exc))

    after_commit(session, later)


async def ping(db: Database) -> bool:
    async with db.read() as session:
        await session.execute(sa.text("SELECT 1"))
    return True
