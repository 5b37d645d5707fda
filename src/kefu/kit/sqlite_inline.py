"""An aiosqlite look-alike for the writer connection that runs statements on the loop thread.

aiosqlite sends every statement to its own thread and back; each hop waits for a full turn
of a busy event loop. The writer runs its units one after another, so those waits add up
inside the critical section (20 statements x one loop turn each, for every ticket). Inside
a write transaction that the writer already holds, SQLite statements take microseconds
(WAL appends; nothing waits on readers), so they run inline. What can wait runs in a thread:
BEGIN (it may wait for another process's lock, e.g. a CLI command) and COMMIT (the fsync).

Only the writer engine uses this (kit.db); readers and plain sessions keep aiosqlite.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

_THREADED = ("BEGIN", "COMMIT", "END", "VACUUM", "PRAGMA WAL_CHECKPOINT")


class _Cursor:
    def __init__(self, conn: InlineConnection) -> None:
        self._conn = conn
        self._cursor = conn._conn.cursor()

    async def __aenter__(self) -> _Cursor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = ()) -> _Cursor:
        head = sql.lstrip()[:21].upper()
        if head.startswith("BEGIN") and self._try_begin_inline(sql):
            return self
        if head.startswith(_THREADED):
            await asyncio.to_thread(self._cursor.execute, sql, parameters)
        else:
            self._cursor.execute(sql, parameters)
        return self

    def _try_begin_inline(self, sql: str) -> bool:
        """BEGIN IMMEDIATE without a thread hop when nobody holds the lock (the usual case:
        this process's writer is the only one). Only another process (a CLI command, a
        backup) makes it wait: then SQLITE_BUSY at once, and the waiting BEGIN runs in a
        thread under the normal busy timeout. Each hop costs a turn of the GIL on a busy loop."""
        raw = self._conn._conn
        raw.execute("PRAGMA busy_timeout=0")
        try:
            self._cursor.execute(sql)
            return True
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            return False
        finally:
            raw.execute(f"PRAGMA busy_timeout={self._conn.busy_ms}")

    async def executemany(self, sql: str, seq: Iterable[Any]) -> _Cursor:
        self._cursor.executemany(sql, seq)
        return self

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def close(self) -> None:
        self._cursor.close()

    async def nextset(self) -> None:
        return None

    async def setinputsizes(self, *sizes: Any) -> None:
        return None

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _ImmediateQueue:
    """SQLAlchemy sets isolation_level through aiosqlite's private request queue."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def put_nowait(self, item: tuple[asyncio.Future[Any], Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as exc:
            future.set_exception(exc)


class InlineConnection:
    def __init__(self, conn: sqlite3.Connection, busy_ms: int = 30000) -> None:
        self._conn = conn
        self.busy_ms = busy_ms  # restored after an inline BEGIN's no-wait attempt
        self._connection: sqlite3.Connection | None = conn  # "open" for SQLAlchemy's checks
        self._tx = _ImmediateQueue(conn)

    @property
    def raw(self) -> sqlite3.Connection:
        """The sqlite3 connection itself (kit.fastsql runs hot-path statements on it)."""
        return self._conn

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    def cursor(self) -> _Cursor:
        return _Cursor(self)

    async def execute(self, sql: str, parameters: Any = ()) -> _Cursor:
        cursor = _Cursor(self)
        return await cursor.execute(sql, parameters)

    async def create_function(self, *args: Any, **kw: Any) -> None:
        self._conn.create_function(*args, **kw)

    async def commit(self) -> None:
        await asyncio.to_thread(self._conn.commit)  # the fsync, off the loop

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()


async def connect(database: str, **kw: Any) -> InlineConnection:
    """`async_creator` for create_async_engine: the same file, the same pragmas (kit.db)."""

    def open_() -> sqlite3.Connection:
        return sqlite3.connect(database, check_same_thread=False, timeout=float(kw.get("timeout", 30)))

    timeout = float(kw.get("timeout", 30))
    return InlineConnection(await asyncio.to_thread(open_), busy_ms=int(timeout * 1000))
