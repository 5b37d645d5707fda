"""Routing reacts to new tickets: an email or portal ticket goes to the customer's dedicated
advisor when available, else waits in its group's queue until an online agent with spare
ticket capacity gets it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit.events import listener
from kefu.routing.tickets import ticket_router
from kefu.ticket.events import TicketCreated


@listener(TicketCreated)
async def route_new_ticket(session: AsyncSession, event: TicketCreated) -> None:
    if event.assignee_id is None:
        await ticket_router.route_new(
            session,
            event.ticket_id,
            group_id=event.group_id,
            channel=event.channel,
            customer_id=event.customer_id,
        )
