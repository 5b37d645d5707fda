"""Hourly: evaluate every active goal over its last whole period; alert once on a miss."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.goals.service import goal_service
from kefu.kit import jobs
from kefu.kit.db import Database
from kefu.kit.jobs import Finish

SCHEDULE_JOB = "goals.evaluate"
EVALUATE_JOB = "goals.evaluate_goals"


@jobs.periodic(SCHEDULE_JOB, every_seconds=3600)
async def schedule(session: AsyncSession, payload: dict[str, Any]) -> None:
    # The work runs as an I/O job: a plain job runs inside a write unit, and on SQLite the
    # writer's statements run on the event loop, so a year of analytics read there held
    # every socket's reply (1.96 s, seen by the loop watch under chat load).
    await jobs.enqueue(session, EVALUATE_JOB, payload, unique_key=f"{SCHEDULE_JOB}:{payload.get('slot')}")


@jobs.io_handler(EVALUATE_JOB)
async def evaluate(db: Database, _payload: dict[str, Any]) -> Finish | None:
    async with db.read() as session:  # a snapshot on a reader: no write lock while computing
        misses = await goal_service.misses(session)
    if not misses:
        return None

    async def alert(session: AsyncSession) -> None:  # the unit that marks the job done
        await goal_service.alert(session, misses)

    return alert
