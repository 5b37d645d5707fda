"""Macro queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models.automation import Macro, Trigger, TriggerRun
from kefu.models.ticket import Ticket

# The active triggers of one kind, built once: every ticket event asks.
_ACTIVE_ON = (
    sa.select(Trigger)
    .where(Trigger.on == sa.bindparam("trigger_on"), Trigger.active.is_(True))
    .order_by(Trigger.position, Trigger.id)
)


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

    async def triggers(self, session: AsyncSession, on: str | None = None) -> Sequence[Trigger]:
        if on is not None:
            return (await session.execute(_ACTIVE_ON, {"trigger_on": on})).scalars().all()
        stmt = sa.select(Trigger).order_by(Trigger.position, Trigger.id)
        return (await session.execute(stmt)).scalars().all()

    async def trigger(self, session: AsyncSession, trigger_id: int) -> Trigger | None:
        return await session.get(Trigger, trigger_id)

    async def trigger_by_name(self, session: AsyncSession, name: str) -> Trigger | None:
        return (await session.execute(sa.select(Trigger).where(Trigger.name == name))).scalar_one_or_none()

    async def claim_run(self, session: AsyncSession, trigger_id: int, ticket_id: int, key: str) -> bool:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(TriggerRun)
            .values(trigger_id=trigger_id, ticket_id=ticket_id, key=key)
            .on_conflict_do_nothing(index_elements=["trigger_id", "ticket_id", "key"])
        )
        return bool(getattr(await session.execute(stmt), "rowcount", 0))

    async def open_tickets_older_than(
        self, session: AsyncSession, column: str, cutoff: datetime, trigger_id: int, limit: int
    ) -> list[int]:
        col = getattr(Ticket, column)
        already = sa.select(TriggerRun.ticket_id).where(TriggerRun.trigger_id == trigger_id)
        stmt = (
            sa.select(Ticket.id)
            .where(
                Ticket.status.in_(["new", "open", "pending", "hold"]),
                col <= cutoff,
                Ticket.id.not_in(already),
            )
            .order_by(col)
            .limit(limit)
        )
        return list((await session.execute(stmt)).scalars())


automation_repository = AutomationRepository()
