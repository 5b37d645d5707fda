"""Admission of database units on PostgreSQL: at most `limit` units of the process hold a
pooled connection; the rest wait here, first come first served.

Without it an overloaded process queued in the connection pool, whose 30 s checkout timeout
failed the unit with a TimeoutError deep in SQLAlchemy (a 500, an `internal_error` frame).
Here a unit waits its turn without a timeout race in the pool, and a unit that cannot start
soon — more than `max_waiting` ahead of it, or not started within `max_wait_seconds` — is
refused before it does anything, with an error the caller can retry (a 503 `overloaded` with
Retry-After; an `overloaded` error frame with the message's client id on a socket).

A unit opened by a task that already holds a slot (an audit row written while the request's
unit is open, a job's I/O step) is not queued again: it would wait for a slot its own task
holds. It takes a connection from the pool's overflow, which is why `limit` is the pool's
size and not size + overflow.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

MAX_WAIT_SECONDS = 15.0  # under the pool's 30 s checkout timeout and clients' usual 30-60 s
MAX_WAITING = 2000


class Overloaded(RuntimeError):
    """Refused before it started (nothing done): the caller may retry after `retry_after`."""

    retry_after = 1


class Admission:
    def __init__(
        self,
        limit: int,
        *,
        max_waiting: int = MAX_WAITING,
        max_wait_seconds: float = MAX_WAIT_SECONDS,
        refused: Callable[[str], Exception] = Overloaded,
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.max_waiting = max_waiting
        self.max_wait_seconds = max_wait_seconds
        self.refused = refused  # the app raises its own 503 error type (kefu.errors)
        self._free = limit
        self._holders: set[asyncio.Task[object]] = set()
        # FIFO; a released slot goes straight to the first waiter (never back to `_free`
        # while someone waits), so a newcomer cannot overtake the queue.
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self.refusals = 0  # since start (tests, metrics)

    @property
    def in_flight(self) -> int:
        return self.limit - self._free

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        if task is None or task in self._holders:  # nested in this task's own unit
            yield
            return
        await self._acquire()
        self._holders.add(task)
        try:
            yield
        finally:
            self._holders.discard(task)
            self._release()

    async def _acquire(self) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        if len(self._waiters) >= self.max_waiting:
            self.refusals += 1
            raise self.refused("too many database units waiting")
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, self.max_wait_seconds)
        except TimeoutError:
            self._forget(waiter)
            self.refusals += 1
            raise self.refused("no database connection free in time") from None
        except BaseException:  # cancelled while waiting
            self._forget(waiter)
            raise

    def _forget(self, waiter: asyncio.Future[None]) -> None:
        if waiter.done() and not waiter.cancelled():
            self._release()  # handed a slot just as it gave up: pass it on
            return
        with contextlib.suppress(ValueError):
            self._waiters.remove(waiter)

    def _release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1
