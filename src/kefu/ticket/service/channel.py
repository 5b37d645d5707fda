"""Tickets and conversations (chat, calls): a conversation's lines on its ticket's timeline,
the customer's open ticket, assignment and replies made in a conversation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import SYSTEM
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.models.ticket import Ticket, TicketComment, TicketStatus
from kefu.ticket import rules
from kefu.ticket.events import TicketUpdated
from kefu.ticket.ownership import ownership_service
from kefu.ticket.repository import ticket_repository
from kefu.ticket.rules import Touch
from kefu.ticket.schemas import TicketUpdate
from kefu.ticket.service.update import TicketUpdating


class TicketChannels(TicketUpdating):
    # --- channels (chat, calls): the conversation on the ticket's timeline -------------
    def record_conversation(
        self,
        session: AsyncSession,
        ticket_id: int,
        *,
        author_type: str,
        body: str,
        public: bool,
        via: str,
        conversation_id: int,
        seq: int,
        user_id: int | None = None,
        customer_id: int | None = None,
        data: dict[str, Any] | None = None,
        created_at: datetime | None = None,
    ) -> None:
        """A line of a conversation on its ticket's timeline, in the caller's unit: no read,
        no lock, no flush of its own (it rides the message's insert). No CommentAdded event
        either: the message is the event, and a comment event would mail the customer their
        own chat."""
        session.add(
            TicketComment(
                ticket_id=ticket_id,
                body=body,
                public=public,
                via=via[:16],
                created_at=created_at or utcnow(),
                author_user_id=user_id if author_type == "agent" else None,
                author_customer_id=customer_id if author_type == "customer" else None,
                author_kind=None if author_type in ("agent", "customer") else author_type,
                conversation_id=conversation_id,
                seq=seq,
                data=data,
            )
        )

    async def recorded_seq(self, session: AsyncSession, ticket_id: int, conversation_id: int) -> int:
        return await ticket_repository.recorded_seq(session, ticket_id, conversation_id)

    async def open_for_customer(self, session: AsyncSession, customer_id: int) -> Ticket | None:
        """The customer's most recent unfinished ticket (a new conversation attaches to it)."""
        return await ticket_repository.latest_for_customer(
            session,
            customer_id,
            statuses=(TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.HOLD),
        )

    async def recent_owner(self, session: AsyncSession, customer_id: int, since: datetime) -> int | None:
        """Owner (else assignee) of the customer's open or recently updated ticket (熟客优先)."""
        t = await self.open_for_customer(session, customer_id)
        if t is None:
            t = await ticket_repository.latest_for_customer(
                session, customer_id, statuses=(TicketStatus.SOLVED, TicketStatus.CLOSED), since=since
            )
        if t is None:
            return None
        return t.owner_id or t.assignee_id

    async def channel_assigned(self, session: AsyncSession, ticket_id: int, agent_id: int) -> None:
        """Routing gave the ticket's conversation to an agent: the ticket follows."""
        t = await self._load(session, None, ticket_id, lock=True)
        if t.status == TicketStatus.CLOSED or t.assignee_id == agent_id:
            return
        await self.update(session, SYSTEM, ticket_id, TicketUpdate(assignee_id=agent_id))

    async def route_claim(self, session: AsyncSession, ticket_id: int, agent_id: int) -> bool:
        """Routing hands an unassigned ticket to an agent: under the row lock, only if still
        nobody's (a person may have taken it meanwhile)."""
        t = await ticket_repository.get(session, ticket_id, lock=True)
        if t is None or t.assignee_id is not None or t.merged_into_id is not None:
            return False
        if t.status not in (TicketStatus.NEW, TicketStatus.OPEN):
            return False
        await self.update(session, SYSTEM, ticket_id, TicketUpdate(assignee_id=agent_id))
        return True

    async def channel_agent_replied(self, session: AsyncSession, ticket_id: int, agent_id: int) -> None:
        """An agent answered in a conversation of this ticket: ownership and first-reply SLA."""
        t = await self._load(session, None, ticket_id, lock=True)
        if t.status == TicketStatus.CLOSED:
            return
        now = utcnow()
        before = rules.snapshot(t)
        await ownership_service.claim(session, t, agent_id)
        if t.first_replied_at is None:
            t.first_replied_at = now
        t.updated_at = now
        if t.status == TicketStatus.NEW:
            t.status = TicketStatus.OPEN
        await self._after_change(session, t, before, now=now, by=Touch(by=agent_id, reply="public"))

    async def channel_customer_wrote(self, session: AsyncSession, ticket_id: int) -> None:
        """The customer wrote in a conversation of this ticket: next-reply clock, reopen."""
        t = await self._load(session, None, ticket_id, lock=True)
        if t.status == TicketStatus.CLOSED:
            return
        now = utcnow()
        before = rules.snapshot(t)
        t.status = rules.customer_wrote(t.status)
        t.updated_at = now
        if before.status != t.status:
            await publish(
                session,
                TicketUpdated(
                    ticket_id=t.id,
                    customer_id=t.customer_id,
                    changes={"status": [before.status, t.status]},
                    group_id=t.group_id,
                    assignee_id=t.assignee_id,
                ),
            )
        await self._after_change(session, t, before, now=now, by=Touch(reply="customer"))
