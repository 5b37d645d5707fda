"""Queries of the triage domain: tickets waiting for a look, and the labelled ones to learn from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models.ticket import Ticket
from kefu.models.triage import TicketTriage


class TriageRepository:
    def _pending(self, since: datetime) -> sa.Select[Any]:
        return (
            sa.select(Ticket)
            .outerjoin(TicketTriage, TicketTriage.ticket_id == Ticket.id)
            .where(TicketTriage.ticket_id.is_(None), Ticket.category == "", Ticket.created_at >= since)
        )

    async def any_pending(self, session: AsyncSession, since: datetime) -> bool:
        stmt = sa.select(sa.exists(self._pending(since).with_only_columns(Ticket.id)))
        return bool((await session.execute(stmt)).scalar())

    async def pending(self, session: AsyncSession, since: datetime, limit: int) -> Sequence[Ticket]:
        stmt = self._pending(since).order_by(Ticket.id).limit(limit)
        rows: Sequence[Ticket] = (await session.execute(stmt)).scalars().all()
        return rows

    async def labelled(self, session: AsyncSession, limit: int) -> list[tuple[str, str, str]]:
        """(subject, description, category) of categorised tickets, newest first; a category
        the model set itself and nobody corrected does not teach it anything."""
        own = sa.and_(TicketTriage.applied.is_(True), TicketTriage.category == Ticket.category)
        stmt = (
            sa.select(Ticket.subject, Ticket.description, Ticket.category)
            .outerjoin(TicketTriage, TicketTriage.ticket_id == Ticket.id)
            .where(Ticket.category != "", sa.not_(sa.func.coalesce(own, False)))
            .order_by(Ticket.id.desc())
            .limit(limit)
        )
        return [(s, d or "", c) for s, d, c in (await session.execute(stmt)).all()]

    async def get(self, session: AsyncSession, ticket_id: int) -> TicketTriage | None:
        return await session.get(TicketTriage, ticket_id)

    def add(self, session: AsyncSession, row: TicketTriage) -> None:
        session.add(row)


triage_repository = TriageRepository()
