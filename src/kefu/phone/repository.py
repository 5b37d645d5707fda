"""Phone queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models.phone import Call, CallEvent, PhoneIntegration


class PhoneRepository:
    async def integration(self, session: AsyncSession, integration_id: int) -> PhoneIntegration | None:
        return await session.get(PhoneIntegration, integration_id)

    async def integrations(self, session: AsyncSession) -> Sequence[PhoneIntegration]:
        stmt = sa.select(PhoneIntegration).order_by(PhoneIntegration.id)
        return (await session.execute(stmt)).scalars().all()

    async def event(self, session: AsyncSession, integration_id: int, event_id: str) -> CallEvent | None:
        stmt = sa.select(CallEvent).where(
            CallEvent.integration_id == integration_id, CallEvent.event_id == event_id
        )
        return (await session.execute(stmt)).scalar_one_or_none()

    async def call(self, session: AsyncSession, integration_id: int, external_id: str) -> Call | None:
        stmt = (
            sa.select(Call)
            .where(Call.integration_id == integration_id, Call.external_id == external_id)
            .with_for_update()
        )
        return (await session.execute(stmt)).scalar_one_or_none()

    async def call_by_id(self, session: AsyncSession, call_id: int) -> Call | None:
        return await session.get(Call, call_id, with_for_update=True)

    async def calls(
        self,
        session: AsyncSession,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        customer_id: int | None = None,
        agent_id: int | None = None,
        limit: int = 500,
    ) -> Sequence[Call]:
        stmt = sa.select(Call).order_by(Call.id.desc()).limit(limit)
        if start is not None:
            stmt = stmt.where(Call.created_at >= start)
        if end is not None:
            stmt = stmt.where(Call.created_at < end)
        if customer_id is not None:
            stmt = stmt.where(Call.customer_id == customer_id)
        if agent_id is not None:
            stmt = stmt.where(Call.agent_id == agent_id)
        return (await session.execute(stmt)).scalars().all()


phone_repository = PhoneRepository()
