"""Improvement queries: items with filters, their timeline, departments, integrations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models.improvement import (
    ImprovementDepartment,
    ImprovementIntegration,
    ImprovementItem,
    ImprovementLog,
)

OPEN_WORK = ("open", "in_progress")


class ImprovementRepository:
    # --- items -----------------------------------------------------------------------------
    async def items(
        self,
        session: AsyncSession,
        *,
        status: str | None = None,
        department_id: int | None = None,
        source: str | None = None,
        owner_id: int | None = None,
        created_by: int | None = None,
        overdue_on: date | None = None,
        limit: int = 500,
    ) -> Sequence[ImprovementItem]:
        stmt = sa.select(ImprovementItem).order_by(ImprovementItem.id.desc()).limit(limit)
        if status:
            stmt = stmt.where(ImprovementItem.status == status)
        if department_id is not None:
            stmt = stmt.where(ImprovementItem.department_id == department_id)
        if source:
            stmt = stmt.where(ImprovementItem.source == source)
        if owner_id is not None:
            stmt = stmt.where(ImprovementItem.owner_id == owner_id)
        if created_by is not None:
            stmt = stmt.where(ImprovementItem.created_by == created_by)
        if overdue_on is not None:
            stmt = stmt.where(ImprovementItem.due_date < overdue_on, ImprovementItem.status.in_(OPEN_WORK))
        return (await session.execute(stmt)).scalars().all()

    async def item(
        self, session: AsyncSession, item_id: int, *, lock: bool = False
    ) -> ImprovementItem | None:
        stmt = sa.select(ImprovementItem).where(ImprovementItem.id == item_id)
        if lock:
            stmt = stmt.with_for_update()
        return (await session.execute(stmt)).scalar_one_or_none()

    async def by_source(self, session: AsyncSession, source: str, ref: str) -> ImprovementItem | None:
        """The newest item not dropped that came from this source object."""
        stmt = (
            sa.select(ImprovementItem)
            .where(
                ImprovementItem.source == source,
                ImprovementItem.source_ref == ref,
                ImprovementItem.status.not_in(("rejected", "closed")),
            )
            .order_by(ImprovementItem.id.desc())
            .limit(1)
        )
        return (await session.execute(stmt)).scalar_one_or_none()

    async def refs(self, session: AsyncSession, source: str) -> dict[str, int]:
        """source_ref → item id of the items (not dropped) from one source, for report buttons."""
        stmt = (
            sa.select(ImprovementItem.source_ref, ImprovementItem.id)
            .where(ImprovementItem.source == source, ImprovementItem.status.not_in(("rejected", "closed")))
            .order_by(ImprovementItem.id)
        )
        return {str(r): int(i) for r, i in (await session.execute(stmt)).all()}

    async def fixed(self, session: AsyncSession) -> Sequence[ImprovementItem]:
        stmt = (
            sa.select(ImprovementItem).where(ImprovementItem.status == "fixed").order_by(ImprovementItem.id)
        )
        return (await session.execute(stmt)).scalars().all()

    async def due_between(self, session: AsyncSession, first: date, end: date) -> list[str]:
        """Statuses of the items due on a day of [first, end) that were not dropped."""
        stmt = sa.select(ImprovementItem.status).where(
            ImprovementItem.due_date >= first,
            ImprovementItem.due_date < end,
            ImprovementItem.status.not_in(("rejected", "closed")),
        )
        return [str(s) for s in (await session.execute(stmt)).scalars().all()]

    # --- timeline -----------------------------------------------------------------------------
    def add_log(self, session: AsyncSession, log: ImprovementLog) -> None:
        session.add(log)

    async def logs(self, session: AsyncSession, item_id: int) -> Sequence[ImprovementLog]:
        stmt = sa.select(ImprovementLog).where(ImprovementLog.item_id == item_id).order_by(ImprovementLog.id)
        return (await session.execute(stmt)).scalars().all()

    # --- departments ------------------------------------------------------------------------------
    async def departments(self, session: AsyncSession) -> Sequence[ImprovementDepartment]:
        stmt = sa.select(ImprovementDepartment).order_by(
            ImprovementDepartment.kind, ImprovementDepartment.name
        )
        return (await session.execute(stmt)).scalars().all()

    async def department(self, session: AsyncSession, department_id: int) -> ImprovementDepartment | None:
        return await session.get(ImprovementDepartment, department_id)

    async def department_named(self, session: AsyncSession, name: str) -> ImprovementDepartment | None:
        stmt = sa.select(ImprovementDepartment).where(ImprovementDepartment.name == name)
        return (await session.execute(stmt)).scalar_one_or_none()

    # --- integrations -----------------------------------------------------------------------------
    async def integrations(self, session: AsyncSession) -> Sequence[ImprovementIntegration]:
        stmt = sa.select(ImprovementIntegration).order_by(ImprovementIntegration.id)
        return (await session.execute(stmt)).scalars().all()

    async def integration(self, session: AsyncSession, integration_id: int) -> ImprovementIntegration | None:
        return await session.get(ImprovementIntegration, integration_id)


improvement_repository = ImprovementRepository()
