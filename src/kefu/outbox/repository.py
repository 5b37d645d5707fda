"""Queries of the outbox (OutboundMail rows)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models.mail import OutboundMail


class OutboxRepository:
    async def get(self, session: AsyncSession, mail_id: int) -> OutboundMail | None:
        return await session.get(OutboundMail, mail_id)

    async def recent(self, session: AsyncSession, limit: int) -> Sequence[OutboundMail]:
        stmt = sa.select(OutboundMail).order_by(OutboundMail.id.desc()).limit(limit)
        return (await session.execute(stmt)).scalars().all()


outbox_repository = OutboxRepository()
