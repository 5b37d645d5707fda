"""Queries of the outbox (OutboundMail rows)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models.mail import OutboundMail, OutboxStatus


class OutboxRepository:
    async def get(self, session: AsyncSession, mail_id: int) -> OutboundMail | None:
        return await session.get(OutboundMail, mail_id)

    async def recent(self, session: AsyncSession, limit: int) -> Sequence[OutboundMail]:
        stmt = sa.select(OutboundMail).order_by(OutboundMail.id.desc()).limit(limit)
        return (await session.execute(stmt)).scalars().all()

    async def count(self, session: AsyncSession, status: OutboxStatus) -> int:
        stmt = sa.select(sa.func.count()).select_from(OutboundMail).where(OutboundMail.status == status)
        return int((await session.execute(stmt)).scalar_one())

    async def ids(self, session: AsyncSession, status: OutboxStatus, limit: int) -> list[int]:
        stmt = (
            sa.select(OutboundMail.id)
            .where(OutboundMail.status == status)
            .order_by(OutboundMail.id)
            .limit(limit)
        )
        return list((await session.execute(stmt)).scalars())


outbox_repository = OutboxRepository()
