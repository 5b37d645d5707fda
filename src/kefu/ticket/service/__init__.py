"""Tickets: creation from any channel, updates with history, replies and notes, ownership
(首问负责制), merge, links, child tickets, automatic closing; SLAs via the SLA engine.

A package by role, one mixin each, composed into the one `ticket_service`:
create, reads, update (and the periodic close), comments (and attachments), merge (links,
followers), fields (custom fields, categories), channel (chat and calls on a ticket). What a
change asks of the clocks is derived in `rules.transition()` and carried out in one place,
`TicketBase._after_change` (base.py)."""

from __future__ import annotations

from kefu.ticket.service.channel import TicketChannels
from kefu.ticket.service.comments import TicketComments
from kefu.ticket.service.create import TicketCreating
from kefu.ticket.service.fields import TicketFields
from kefu.ticket.service.merge import TicketMerging
from kefu.ticket.service.reads import TicketView
from kefu.ticket.service.update import AUTO_CLOSE_DAYS

__all__ = ["AUTO_CLOSE_DAYS", "TicketService", "TicketView", "ticket_service"]


class TicketService(TicketCreating, TicketComments, TicketMerging, TicketFields, TicketChannels):
    pass


ticket_service = TicketService()
