"""Stored analytics: day and hour rollups, refresh watermarks and the span of events a
refresh must cover."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit.events import EventRecord
from kefu.kit.time import ensure_utc
from kefu.models.analytics import AnalyticsState, DailyRollup, HourlyRollup
from kefu.models.conversation import Conversation
from kefu.models.ticket import Ticket


class RollupStore:
    async def rollups(
        self, session: AsyncSession, dim: str, key: str | None, days: Sequence[date]
    ) -> list[DailyRollup]:
        if not days:
            return []
        stmt = sa.select(DailyRollup).where(
            DailyRollup.dim == dim, DailyRollup.day >= min(days), DailyRollup.day <= max(days)
        )
        if key is not None:
            stmt = stmt.where(DailyRollup.key == key)
        return list((await session.execute(stmt)).scalars().all())

    async def rolled_days(self, session: AsyncSession, first: date, last: date) -> set[date]:
        stmt = sa.select(DailyRollup.day).where(
            DailyRollup.dim == "all", DailyRollup.day >= first, DailyRollup.day <= last
        )
        return {r[0] for r in (await session.execute(stmt)).all()}

    async def replace_day(
        self, session: AsyncSession, day: date, rows: dict[tuple[str, str], dict[str, Any]], now: datetime
    ) -> None:
        await session.execute(sa.delete(DailyRollup).where(DailyRollup.day == day))
        if rows:
            await session.execute(
                sa.insert(DailyRollup),
                [
                    {"day": day, "dim": dim, "key": key[:120], "stats": stats, "refreshed_at": now}
                    for (dim, key), stats in rows.items()
                ],
            )

    async def hourly(self, session: AsyncSession, lo: datetime, hi: datetime) -> dict[datetime, Any]:
        """Stored hour buckets starting in [lo, hi): start -> stats."""
        stmt = sa.select(HourlyRollup.start, HourlyRollup.stats).where(
            HourlyRollup.start >= lo, HourlyRollup.start < hi
        )
        return {ensure_utc(r.start): r.stats for r in (await session.execute(stmt)).all()}

    async def replace_hours(
        self, session: AsyncSession, lo: datetime, hi: datetime, rows: dict[datetime, Any], now: datetime
    ) -> None:
        await session.execute(
            sa.delete(HourlyRollup).where(HourlyRollup.start >= lo, HourlyRollup.start < hi)
        )
        if rows:
            values = [{"start": at, "stats": st, "refreshed_at": now} for at, st in rows.items()]
            await session.execute(sa.insert(HourlyRollup), values)

    async def watermark(self, session: AsyncSession, name: str) -> datetime | None:
        row = await session.get(AnalyticsState, name)
        return ensure_utc(row.value) if row else None

    async def set_watermark(self, session: AsyncSession, name: str, value: datetime) -> None:
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        stmt = insert(AnalyticsState).values(name=name, value=value)
        await session.execute(stmt.on_conflict_do_update(index_elements=["name"], set_={"value": value}))

    async def touched_span(
        self, session: AsyncSession, since: datetime, until: datetime
    ) -> tuple[datetime, datetime] | None:
        """First and last domain event in [since, until): the days between need a refresh."""
        stmt = sa.select(sa.func.min(EventRecord.created_at), sa.func.max(EventRecord.created_at)).where(
            EventRecord.created_at >= since, EventRecord.created_at < until
        )
        lo, hi = (await session.execute(stmt)).one()
        return (ensure_utc(lo), ensure_utc(hi)) if lo is not None else None

    async def first_activity(self, session: AsyncSession) -> datetime | None:
        value = (await session.execute(sa.select(sa.func.min(Ticket.created_at)))).scalar()
        conv = (await session.execute(sa.select(sa.func.min(Conversation.created_at)))).scalar()
        found = [ensure_utc(v) for v in (value, conv) if v is not None]
        return min(found) if found else None
