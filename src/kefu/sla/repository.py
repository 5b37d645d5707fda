"""SLA queries: schedules, policies, applied clocks and the breach/warning scan."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models import Customer
from kefu.models.sla import AppliedSla, Schedule, SlaEvent, SlaPolicy
from kefu.models.ticket import Ticket

_CLOCKS = cast(sa.Table, AppliedSla.__table__)
_CLOCK_COLUMNS = tuple(c.key for c in _CLOCKS.columns if c.key != "id")
_INSERT_CLOCKS = sa.insert(_CLOCKS)


class SlaRepository:
    async def insert_clocks(self, session: AsyncSession, clocks: Sequence[AppliedSla]) -> None:
        """A new ticket's clocks in one Core statement (executemany): no ORM unit of work for
        rows nothing in the creating unit reads back (they stay transient, without ids)."""
        rows = [{key: getattr(c, key) for key in _CLOCK_COLUMNS} for c in clocks]
        await (await session.connection()).execute(_INSERT_CLOCKS, rows)

    async def schedule(self, session: AsyncSession, schedule_id: int) -> Schedule | None:
        return await session.get(Schedule, schedule_id)

    async def schedules(self, session: AsyncSession) -> Sequence[Schedule]:
        return (await session.execute(sa.select(Schedule).order_by(Schedule.id))).scalars().all()

    async def default_schedule(self, session: AsyncSession) -> Schedule | None:
        stmt = sa.select(Schedule).where(Schedule.is_default.is_(True)).order_by(Schedule.id).limit(1)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def clear_default_schedule(self, session: AsyncSession) -> None:
        await session.execute(sa.update(Schedule).values(is_default=False))

    async def policy(self, session: AsyncSession, policy_id: int) -> SlaPolicy | None:
        return await session.get(SlaPolicy, policy_id)

    async def policies(self, session: AsyncSession) -> Sequence[SlaPolicy]:
        stmt = sa.select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.id)
        return (await session.execute(stmt)).scalars().all()

    async def policy_using_schedule(self, session: AsyncSession, schedule_id: int) -> SlaPolicy | None:
        stmt = sa.select(SlaPolicy).where(SlaPolicy.schedule_id == schedule_id).limit(1)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def clocks(self, session: AsyncSession, ticket_ids: list[int]) -> Sequence[AppliedSla]:
        if not ticket_ids:
            return []
        stmt = sa.select(AppliedSla).where(AppliedSla.ticket_id.in_(ticket_ids)).order_by(AppliedSla.id)
        return (await session.execute(stmt)).scalars().all()

    async def clock(self, session: AsyncSession, ticket_id: int, metric: str) -> AppliedSla | None:
        stmt = sa.select(AppliedSla).where(AppliedSla.ticket_id == ticket_id, AppliedSla.metric == metric)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def due(
        self, session: AsyncSession, column: str, now: datetime, limit: int
    ) -> Sequence[AppliedSla]:
        col = getattr(AppliedSla, column)
        stmt = sa.select(AppliedSla).where(col <= now).order_by(col).limit(limit)
        return (await session.execute(stmt)).scalars().all()

    async def tickets_due_before(self, session: AsyncSession, when: datetime) -> list[int]:
        stmt = sa.select(AppliedSla.ticket_id).where(AppliedSla.breach_at <= when).distinct()
        return list((await session.execute(stmt)).scalars())

    async def tickets_breached(self, session: AsyncSession) -> list[int]:
        stmt = (
            sa.select(AppliedSla.ticket_id)
            .where(AppliedSla.breached_at.is_not(None), AppliedSla.status.in_(["active", "paused"]))
            .distinct()
        )
        return list((await session.execute(stmt)).scalars())

    async def claim(self, session: AsyncSession, clock_id: int, kind: str, now: datetime) -> bool:
        """Mark a warning/breach as emitted; True for exactly one caller however many scan."""
        if kind == "breach":
            stmt = (
                sa.update(AppliedSla)
                .where(
                    AppliedSla.id == clock_id, AppliedSla.breached_at.is_(None), AppliedSla.breach_at <= now
                )
                .values(breached_at=now, breach_at=None, warn_due_at=None)
            )
        else:
            stmt = (
                sa.update(AppliedSla)
                .where(
                    AppliedSla.id == clock_id, AppliedSla.warned_at.is_(None), AppliedSla.warn_due_at <= now
                )
                .values(warned_at=now, warn_due_at=None)
            )
        result = await session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def record_event(
        self, session: AsyncSession, ticket_id: int, metric: str, kind: str, due_at: datetime | None
    ) -> bool:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(SlaEvent)
            .values(ticket_id=ticket_id, metric=metric, kind=kind, due_at=due_at)
            .on_conflict_do_nothing(index_elements=["ticket_id", "metric", "kind"])
        )
        result = await session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def ticket_context(
        self, session: AsyncSession, ticket_id: int
    ) -> tuple[int | None, str, int | None, str]:
        """(customer_id, tier, group_id, priority) for event payloads."""
        row = (
            await session.execute(
                sa.select(Ticket.customer_id, Customer.tier, Ticket.group_id, Ticket.priority)
                .outerjoin(Customer, Customer.id == Ticket.customer_id)
                .where(Ticket.id == ticket_id)
            )
        ).first()
        if row is None:
            return None, "none", None, "normal"
        return row[0], row[1] or "none", row[2], row[3]

    async def breaches(
        self, session: AsyncSession, start: datetime, end: datetime
    ) -> list[tuple[int, str, str, int | None]]:
        """(ticket id, metric, category, group id) of every breach recorded in [start, end)."""
        stmt = (
            sa.select(SlaEvent.ticket_id, SlaEvent.metric, Ticket.category, Ticket.group_id)
            .join(Ticket, Ticket.id == SlaEvent.ticket_id)
            .where(SlaEvent.kind == "breach", SlaEvent.created_at >= start, SlaEvent.created_at < end)
            .order_by(SlaEvent.id)
            .limit(20000)
        )
        return [(int(t), str(m), str(c or ""), g) for t, m, c, g in (await session.execute(stmt)).all()]


sla_repository = SlaRepository()
