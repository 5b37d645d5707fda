"""Rollup refresh: every 30 s the local days touched since the last run are recomputed (every
slice per day, the whole company per hour) in read snapshots and stored in short write units
(SQLite has one writer: no long lock), then today's finished hours not stored yet (all of them
every 5 min after activity), then the watermark moves. The days before touched days (FCR,
repeat contacts can change) are recomputed hourly."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.analytics.service import analytics_service
from kefu.kit import jobs
from kefu.kit.db import Database
from kefu.kit.time import utcnow

REFRESH_SECONDS = 30
BATCH_SECONDS = 0.5


async def refresh(db: Database) -> int:
    """Recompute what changed; returns how many days were rewritten."""
    async with db.read() as session:  # watermarks and the events' time span: reads only
        plan = await analytics_service.refresh_plan(session, utcnow())
    days = plan.days
    todo: list[date] = []
    for chunk in (days[i : i + 31] for i in range(0, len(days), 31)):
        async with db.transaction() as session:
            if not await analytics_service.store_if_empty(session, chunk):
                todo.extend(chunk)
    while todo:
        # Days are computed in a read snapshot (~0.5 s of them at a time), then stored in one
        # short write unit: computing a busy day took ~0.8 s, and holding SQLite's only writer
        # that long stalled every chat message behind it. Safe against later commits: the
        # next run recomputes days touched since this run's watermark (minus an overlap).
        built = []
        async with db.read() as session:
            started = time.monotonic()
            while todo and time.monotonic() - started < BATCH_SECONDS:
                day = todo.pop(0)
                built.append((day, await analytics_service.build_day(session, day)))
        async with db.transaction() as session:
            for day, rollup in built:
                await analytics_service.store_day(session, day, rollup)
    # Today's finished hours: read in a snapshot (no write lock while reading), then stored.
    async with db.read() as session:
        hours = await analytics_service.hours_to_refresh(session, plan.now, plan.touched)
        rows = await analytics_service.build_hours(session, hours) if hours else {}
    async with db.transaction() as session:
        if hours:
            await analytics_service.store_hours(session, hours, rows)
        await analytics_service.mark_refreshed(session, plan.now, lookback=plan.lookback, hours=plan.hours)
    return len(days)


SCHEDULE_JOB = "analytics.refresh"
REFRESH_JOB = "analytics.refresh_days"


@jobs.periodic(SCHEDULE_JOB, every_seconds=REFRESH_SECONDS)
async def schedule_refresh(session: AsyncSession, payload: dict[str, Any]) -> None:
    # The work runs as an I/O job with its own short transactions; one per slot.
    await jobs.enqueue(session, REFRESH_JOB, payload, unique_key=f"{SCHEDULE_JOB}:{payload.get('slot')}")


@jobs.io_handler(REFRESH_JOB)
async def refresh_days(db: Database, _payload: dict[str, Any]) -> None:
    await refresh(db)
