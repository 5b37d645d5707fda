"""Macro queries."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models.automation import Macro


class AutomationRepository:
    async def macro(self, session: AsyncSession, macro_id: int) -> Macro | None:
        return await session.get(Macro, macro_id)

    async def macro_by_title(self, session: AsyncSession, title: str) -> Macro | None:
        return (await session.execute(sa.select(Macro).where(Macro.title == title))).scalar_one_or_none()

    async def macros(
        self, session: AsyncSession, *, group_ids: frozenset[int] | None, active_only: bool
    ) -> Sequence[Macro]:
        stmt = sa.select(Macro).order_by(Macro.usage_count.desc(), Macro.id)
        if active_only:
            stmt = stmt.where(Macro.active.is_(True))
        if group_ids is not None:
            stmt = stmt.where(sa.or_(Macro.group_id.is_(None), Macro.group_id.in_(group_ids)))
        return (await session.execute(stmt)).scalars().all()


automation_repository = AutomationRepository()
