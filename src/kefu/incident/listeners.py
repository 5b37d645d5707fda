"""New tickets that mention an open incident's keywords join its master problem ticket."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.incident.service import incident_service
from kefu.kit.events import listener
from kefu.ticket.events import TicketCreated


@listener(TicketCreated)
async def link_new_ticket(session: AsyncSession, event: TicketCreated) -> None:
    await incident_service.link_if_matching(session, event.ticket_id)
