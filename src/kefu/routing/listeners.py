"""Routing reacts to new tickets: an email or portal ticket waits in its group's queue
until an online agent with spare ticket capacity gets it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit.events import listener
from kefu.routing.service import routing_service
from kefu.ticket.events import TicketCreated


@listener(TicketCreated)
async def route_new_ticket(session: AsyncSession, event: TicketCreated) -> None:
    if event.group_id is not None and event.assignee_id is None:
        await routing_service.route_tickets(session, event.group_id)
