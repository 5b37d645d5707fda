"""Small writes a request should not wait for (a token's "last used" touch): run as tasks
of their own after the response, tracked so shutdown can let them finish. They must be
best-effort bookkeeping — anything that must not be lost goes through jobs."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import structlog

log = structlog.get_logger()
_tasks: set[asyncio.Task[None]] = set()


def spawn(coro: Coroutine[Any, Any, None], what: str) -> None:
    async def guarded() -> None:
        try:
            await coro
        except Exception as exc:  # bookkeeping: a failure is logged, never raised
            log.warning("background.failed", what=what, error=repr(exc))

    task = asyncio.create_task(guarded())
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def drain(timeout: float = 5.0) -> None:
    """Let pending background writes finish (app shutdown, before the engine goes)."""
    if _tasks:
        await asyncio.wait(set(_tasks), timeout=timeout)
