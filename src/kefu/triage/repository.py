"""Queries of the triage domain: tickets waiting for a look, and the labelled ones to learn from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models.customer import Customer
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

    async def pending(self, session: AsyncSession, since: datetime, limit: int) -> list[tuple[Ticket, str]]:
        """Tickets waiting for triage with their customer's tier."""
        stmt = (
            self._pending(since)
            .add_columns(sa.func.coalesce(Customer.tier, "none"))
            .outerjoin(Customer, Customer.id == Ticket.customer_id)
            .order_by(Ticket.id)
            .limit(limit)
        )
        return [(t, tier) for t, tier in (await session.execute(stmt)).all()]

    async def routed(self, session: AsyncSession, limit: int) -> list[tuple[str, str, int | None]]:
        """(category, customer tier, group) of categorised tickets, newest first: where each
        kind of request ends up (agents moving a ticket on correct it)."""
        stmt = (
            sa.select(Ticket.category, sa.func.coalesce(Customer.tier, "none"), Ticket.group_id)
            .outerjoin(Customer, Customer.id == Ticket.customer_id)
            .where(Ticket.category != "", Ticket.group_id.is_not(None))
            .order_by(Ticket.id.desc())
            .limit(limit)
        )
        return [(c, t, g) for c, t, g in (await session.execute(stmt)).all()]

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
