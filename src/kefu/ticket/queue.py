"""The order agents work tickets in (the default view and the group queues): priority first,
then the customers whose loyalty tier carries the `ticket_priority` benefit (high and mid by
default: after-sales priority in the ticket queue as in chat), then the longest waiting. The
tier set comes from the loyalty settings, so an admin who changes the benefit changes the
order; the lists show those customers' tier as a badge."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.loyalty.service import loyalty_service
from kefu.models.ticket import Ticket
from kefu.ticket.repository import ticket_repository
from kefu.ticket.schemas import TicketFilter


class TicketQueueService:
    async def priority_tiers(self, session: AsyncSession) -> frozenset[str]:
        config = await loyalty_service.config(session)
        return frozenset(tier for tier, benefit in config.benefits.items() if benefit.ticket_priority)

    async def prepare(self, session: AsyncSession, f: TicketFilter) -> TicketFilter:
        """Fill in the favoured tiers when the filter sorts by the queue or by priority."""
        if f.sort in ("queue", "priority"):
            f.priority_tiers = await self.priority_tiers(session)
        return f

    async def badges(self, session: AsyncSession, tickets: Sequence[Ticket]) -> dict[int, str]:
        """Ticket id → the customer's tier, for the tickets whose tier puts them ahead."""
        favoured = await self.priority_tiers(session)
        tiers = await ticket_repository.customer_tiers(
            session, [t.customer_id for t in tickets if t.customer_id is not None]
        )
        return {
            t.id: tiers[t.customer_id]
            for t in tickets
            if t.customer_id is not None and tiers.get(t.customer_id) in favoured
        }


ticket_queue_service = TicketQueueService()
