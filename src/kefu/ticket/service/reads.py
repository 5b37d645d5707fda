"""Tickets: reading one, lists, comments, authors, related tickets and history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.auth.service import user_service
from kefu.authz import Perm, Principal, require_staff
from kefu.customer.service import customer_service
from kefu.errors import NotFound
from kefu.models.ticket import Ticket, TicketComment
from kefu.sla.schemas import SlaClock
from kefu.sla.service import sla_service
from kefu.ticket.repository import ticket_repository
from kefu.ticket.schemas import TicketFilter
from kefu.ticket.service.base import TicketBase


@dataclass
class TicketView:
    ticket: Ticket
    sla: list[SlaClock]


class TicketReads(TicketBase):
    async def get(self, session: AsyncSession, principal: Principal | None, ticket_id: int) -> Ticket:
        return await self._load(session, principal, ticket_id)

    async def facts(self, session: AsyncSession, ticket_id: int) -> dict[str, Any] | None:
        """The ticket's status, priority, type, channel, group_id, category, tags, subject and
        its customer's tier ("none" without one), in one statement; None: no such ticket."""
        return await ticket_repository.facts(session, ticket_id)

    async def view(self, session: AsyncSession, tickets: Sequence[Ticket]) -> list[TicketView]:
        clocks = await sla_service.clocks(session, [t.id for t in tickets])
        return [TicketView(t, clocks.get(t.id, [])) for t in tickets]

    async def list_tickets(
        self, session: AsyncSession, principal: Principal, f: TicketFilter
    ) -> Sequence[Ticket]:
        if not principal.is_staff:
            f.customer_id = principal.id
        elif not principal.can(Perm.TICKETS_READ_ALL):
            f.visible_groups = principal.group_ids
            f.visible_user = principal.id
        return await ticket_repository.list_tickets(session, f)

    async def comments(
        self, session: AsyncSession, principal: Principal, t: Ticket
    ) -> Sequence[TicketComment]:
        return await ticket_repository.comments(session, t.id, public_only=not principal.is_staff)

    async def author_names(self, session: AsyncSession, comments: Sequence[TicketComment]) -> dict[int, str]:
        """Comment id → its author's name (staff and customers; bot and system have none)."""
        users: dict[int, str] = {}
        customers: dict[int, str] = {}
        out: dict[int, str] = {}
        for c in comments:
            if c.author_user_id is not None:
                if c.author_user_id not in users:
                    user = await user_service.get(session, c.author_user_id)
                    users[c.author_user_id] = user.name if user else ""
                out[c.id] = users[c.author_user_id]
            elif c.author_customer_id is not None:
                if c.author_customer_id not in customers:
                    try:
                        customer = await customer_service.get(session, None, c.author_customer_id)
                        customers[c.author_customer_id] = customer.name
                    except NotFound:
                        customers[c.author_customer_id] = ""
                out[c.id] = customers[c.author_customer_id]
        return out

    async def customer_question(
        self, session: AsyncSession, principal: Principal, ticket_id: int
    ) -> tuple[str, int | None]:
        """What the customer is asking (subject and their last words) — for agent assist."""
        t = await self.get(session, principal, ticket_id)
        asked = [c.body for c in await self.comments(session, principal, t) if c.author_customer_id][-2:]
        return "\n".join([t.subject, *(asked or [t.description])]), t.customer_id

    async def related(self, session: AsyncSession, t: Ticket) -> tuple[list[int], list[int], list[int]]:
        links = await ticket_repository.links(session, t.id)
        children = [c.id for c in await ticket_repository.children(session, t.id)]
        return links, children, await ticket_repository.followers(session, t.id)

    async def history(
        self, session: AsyncSession, principal: Principal, ticket_id: int
    ) -> list[dict[str, Any]]:
        await self._load(session, principal, ticket_id)
        require_staff(principal)
        out = []
        for e in await ticket_repository.history(session, ticket_id):
            changes = e.payload.get("changes") or {
                k: v for k, v in e.payload.items() if k not in {"ticket_id"}
            }
            out.append(
                {"event": e.name, "actor_id": e.actor_id, "created_at": e.created_at, "changes": changes}
            )
        return out
