"""Announcements are read back from the event log (no table of their own)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit.events import EventRecord


class NoticeRepository:
    async def recent(self, session: AsyncSession, name: str, limit: int) -> Sequence[EventRecord]:
        stmt = (
            sa.select(EventRecord)
            .where(EventRecord.name == name)
            .order_by(EventRecord.id.desc())
            .limit(limit)
        )
        return (await session.execute(stmt)).scalars().all()


notice_repository = NoticeRepository()
