"""Group commit: many small writes, one transaction and one fsync.

Chat traffic is hundreds of tiny transactions a second; on SQLite each commit is an fsync
(synchronous=FULL), which caps a disk at a few hundred commits/s. Callers hand a unit of
work to the process's `GroupCommit`; one writer task runs everything that queued up while
the previous commit was on disk in a single transaction, each unit in its own savepoint, so
one failing unit rolls back alone (and its after-commit hooks are dropped). Every caller is
answered only after the shared commit: an ack still means "stored".

On SQLite this is the process's `Writer` (kit.writer), which group-commits every write
unit, requests and jobs included; the batching below serves PostgreSQL.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit.db import Database, run_after_commit

T = TypeVar("T")
Work = Callable[[AsyncSession], Awaitable[Any]]
log = structlog.get_logger(__name__)
MAX_BATCH = 64


@dataclass
class _Item:
    work: Work
    future: asyncio.Future[Any]
    result: Any = None
    error: BaseException | None = None
    hooks: list[Any] = field(default_factory=list)


class GroupCommit:
    def __init__(self, db: Database, max_batch: int = MAX_BATCH) -> None:
        self.db = db
        self.max_batch = max_batch
        self.queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """Run `work` in the next batch; returns its result once the batch has committed."""
        if self.db.writer is not None:
            async with self.db.writer.unit() as session:
                return await work(session)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._writer())
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        await self.queue.put(_Item(work, future))
        result: T = await future
        return result

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        while not self.queue.empty():  # never leave a caller waiting for an answer
            item = self.queue.get_nowait()
            if not item.future.done():
                item.future.set_exception(RuntimeError("shutting down; not stored"))

    async def _writer(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while len(batch) < self.max_batch and not self.queue.empty():
                batch.append(self.queue.get_nowait())
            await self._commit(batch)

    async def _commit(self, batch: list[_Item]) -> None:
        """Optimistically the whole batch in one transaction; if any unit fails, roll back
        and run them again each in its own savepoint, so one failure costs only itself."""
        try:
            if not await self._attempt(batch, isolated=False):
                await self._attempt(batch, isolated=True)
        except Exception as exc:  # the commit failed: nobody's work is stored
            log.warning("groupcommit.failed", size=len(batch), error=repr(exc))
            for item in batch:
                if not item.future.done():
                    item.future.set_exception(exc)
            return
        for item in batch:
            if item.future.done():
                continue
            if item.error is not None:
                item.future.set_exception(item.error)
            else:
                item.future.set_result(item.result)

    async def _attempt(self, batch: list[_Item], *, isolated: bool) -> bool:
        async with self.db.sessionmaker() as session:
            for item in batch:
                item.error, item.result, item.hooks = None, None, []
                session.info["after_commit"] = []
                try:
                    # Flush inside the unit's scope: a constraint it breaks is its failure,
                    # not the whole batch's at commit time.
                    if isolated:
                        async with session.begin_nested():
                            item.result = await item.work(session)
                            await session.flush()
                    else:
                        item.result = await item.work(session)
                        await session.flush()
                except Exception as exc:
                    if not isolated:
                        await session.rollback()
                        return False
                    item.error = exc
                    session.info["after_commit"] = []
                item.hooks = session.info.pop("after_commit", [])
            await session.commit()
        for item in batch:
            if item.error is None and item.hooks:
                session.info["after_commit"] = item.hooks
                with contextlib.suppress(Exception):
                    await run_after_commit(session)
        return True


def group_commit(db: Database) -> GroupCommit:
    """The database's writer (one per Database object, started on first use)."""
    existing: GroupCommit | None = getattr(db, "_group_commit", None)
    if existing is None:
        existing = GroupCommit(db)
        db._group_commit = existing  # type: ignore[attr-defined]
        db.on_dispose.append(existing.close)
    return existing
