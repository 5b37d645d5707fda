"""Hand-off: into a group's queue with a ticket (the customer's open one, else a new one),
the conversation so far on the ticket, the sticky agent, and the call for a router run."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.config import current_settings
from kefu.conversation import repository as repo
from kefu.conversation.events import ConversationQueued
from kefu.conversation.service.base import ConversationBase
from kefu.conversation.tokens import ChatTicket
from kefu.customer.service import customer_service
from kefu.errors import Unprocessable
from kefu.kit import jobs
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.loyalty.service import loyalty_service
from kefu.models import Conversation
from kefu.models.conversation import ConversationStatus, Sender
from kefu.models.ticket import Channel, TicketPriority
from kefu.routing import placement
from kefu.routing.events import ROUTE_JOB
from kefu.team.service import team_service
from kefu.ticket.schemas import TicketCreate
from kefu.ticket.service import ticket_service

TRANSCRIPT_LIMIT = 20_000
SENDER_LABEL = {"customer": "客户", "bot": "机器人", "agent": "客服", "system": "系统"}
CHANNEL_SUBJECT = {"phone": "电话咨询", "wechat": "微信咨询", "app": "App 咨询"}


class ConversationHandoff(ConversationBase):
    async def tier_of(self, session: AsyncSession, conv: Conversation) -> str:
        if conv.customer_id is None:
            return "none"
        return (await customer_service.get(session, None, conv.customer_id)).tier

    async def request_handoff(self, session: AsyncSession, chat: ChatTicket) -> Conversation:
        conv = await self._locked(session, chat.conversation_id)
        if conv.status == ConversationStatus.BOT:
            await self.append(session, conv, sender=Sender.SYSTEM, text="正在为您转接人工客服，请稍候。")
            await self.handoff(session, conv, reason="customer_asked")
        return conv

    async def handoff(
        self,
        session: AsyncSession,
        conv: Conversation,
        *,
        group_id: int | None = None,
        group_name: str | None = None,
        reason: str = "",
        facts: dict[str, Any] | None = None,
    ) -> None:
        """Into a group's queue, with a ticket (the customer's open one, else a new one)."""
        if conv.status not in (ConversationStatus.BOT, ConversationStatus.CLOSED):
            return
        tier = conv.tier = await self.tier_of(session, conv)
        benefit = (await loyalty_service.config(session)).benefit(tier)
        name = placement.queue_name(
            group_id=group_id,
            group_name=group_name,
            priority_queue=benefit.priority_queue,
            vip_group=current_settings().advisor_group,
        )
        group_id = await self.queue_group(session, group_id, name)
        now = utcnow()
        if conv.ticket_id is None and conv.customer_id is not None:
            await self._attach_ticket(session, conv, group_id, facts or {})
        await self._record_before_handoff(session, conv, facts or {})
        agent_id = await self._sticky_agent(session, conv, now)
        wait = (
            await repo.sticky_wait_seconds(session, group_id)
            if agent_id is not None and group_id is not None
            else None
        )
        placed = placement.place(
            group_id=group_id,
            routing_boost=benefit.routing_boost,
            sticky_agent_id=agent_id,
            sticky_wait_seconds=wait,
            now=now,
        )
        conv.sticky_agent_id, conv.sticky_until = placed.sticky_agent_id, placed.sticky_until
        conv.priority = placed.priority
        conv.status = ConversationStatus.QUEUED
        conv.group_id = placed.group_id
        conv.queued_at = now
        conv.first_queued_at = conv.first_queued_at or now
        conv.assignee_id = None
        await self._announce_queued(session, conv, reason)

    async def queue_group(self, session: AsyncSession, group_id: int | None, name: str | None) -> int | None:
        """The group given, else the one named, else the default group (`placement.queue_group`),
        looking up only what the rule needs."""
        named = None
        if group_id is None and name:
            group = await team_service.by_name(session, name)
            named = group.id if group else None
        default = None
        if group_id is None and named is None:
            group = await team_service.default_group(session)
            default = group.id if group else None
        return placement.queue_group(group_id, named, default)

    async def _attach_ticket(
        self, session: AsyncSession, conv: Conversation, group_id: int | None, facts: dict[str, Any]
    ) -> None:
        assert conv.customer_id is not None
        existing = await ticket_service.open_for_customer(session, conv.customer_id)
        if existing is not None:
            conv.ticket_id = existing.id
            return
        first = (await repo.first_customer_text(session, conv.id)).strip() or CHANNEL_SUBJECT.get(
            conv.channel, ""
        )
        transcript = "\n".join(
            f"[{m.sender}] {m.text}" for m in await repo.messages_after(session, conv.id, 0, internal=False)
        )[:TRANSCRIPT_LIMIT]
        details = "\n".join(f"{k}: {v}" for k, v in facts.items())
        data = TicketCreate(
            subject=(first or "在线咨询")[:80],
            description=(details + "\n\n" + transcript).strip() or "在线咨询",
            channel=Channel(conv.channel) if conv.channel in set(Channel) else Channel.CHAT,
            customer_id=conv.customer_id,
            group_id=group_id,
            category=str(facts.get("category", ""))[:120],
            # An upset customer's ticket goes up a level (the emotion detector's verdict).
            priority=TicketPriority.HIGH if facts.get("emotion") == "negative" else TicketPriority.NORMAL,
        )
        # The timeline starts with the conversation itself (a transcript with its real
        # authors), not with the description as one reply attributed to the customer.
        try:
            t = await ticket_service.create(session, data, actor=None, description_comment=False)
        except Unprocessable:  # a category the bot collected that tickets do not know
            t = await ticket_service.create(
                session, data.model_copy(update={"category": ""}), actor=None, description_comment=False
            )
        conv.ticket_id = t.id

    async def left_message(self, session: AsyncSession, chat: ChatTicket, ticket_id: int) -> None:
        """The customer left a message from the chat (hand-off outside hours): the ticket
        gets the conversation so far, and the conversation belongs to the ticket."""
        conv = await self._locked(session, chat.conversation_id)
        if conv.ticket_id is None:
            conv.ticket_id = ticket_id
        await self._record_before_handoff(session, conv, {}, ticket_id=ticket_id)

    async def _record_before_handoff(
        self,
        session: AsyncSession,
        conv: Conversation,
        facts: dict[str, Any],
        *,
        ticket_id: int | None = None,
    ) -> None:
        """What happened before a person was involved (bot turns, the customer's questions,
        the facts the bot collected) goes on the ticket as one collapsible transcript;
        everything after is recorded message by message (`_record`)."""
        ticket_id = ticket_id or conv.ticket_id
        if ticket_id is None:
            return
        after = await ticket_service.recorded_seq(session, ticket_id, conv.id)
        rows = await repo.messages_after(session, conv.id, after, internal=True, limit=500)
        if not rows:
            return
        lines = [
            {
                "seq": m.seq,
                "sender": m.sender,
                "text": m.text[:2000],
                "internal": m.internal,
                "at": m.created_at.isoformat(),
            }
            for m in rows
        ]
        body = "\n".join(f"[{SENDER_LABEL.get(m.sender, m.sender)}] {m.text}" for m in rows)
        ticket_service.record_conversation(
            session,
            ticket_id,
            author_type="bot",
            body=body[:TRANSCRIPT_LIMIT],
            public=False,
            via=conv.channel,
            conversation_id=conv.id,
            seq=rows[-1].seq,
            data={"transcript": lines, "facts": {k: v for k, v in facts.items() if v not in ("", None)}},
        )

    async def _sticky_agent(self, session: AsyncSession, conv: Conversation, now: datetime) -> int | None:
        """The agent the conversation waits for first (`placement.sticky_agent`)."""
        if conv.customer_id is None:
            return None
        customer = await customer_service.get(session, None, conv.customer_id)
        recent = None
        if customer.advisor_id is None:  # the recent owner counts only without an advisor
            since = placement.sticky_since(now)
            recent = await ticket_service.recent_owner(session, conv.customer_id, since)
        return placement.sticky_agent(customer.advisor_id, recent)

    async def _announce_queued(self, session: AsyncSession, conv: Conversation, reason: str) -> None:
        """The conversation waits in its group's queue: tell watchers, ask a router to run."""
        await publish(
            session,
            ConversationQueued(
                conversation_id=conv.id,
                customer_id=conv.customer_id,
                group_id=conv.group_id,
                ticket_id=conv.ticket_id,
                reason=reason,
            ),
        )
        await jobs.enqueue(session, ROUTE_JOB, {"group_id": conv.group_id})
