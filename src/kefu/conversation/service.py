"""Conversation rules: messages with per-conversation `seq` and idempotent client ids, the
bot turn, hand-off into a group's queue (opening or attaching a ticket), assignment notices,
transfers, close, rating. Never commits: the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.auth.service import user_service
from kefu.authz import Perm, Principal, ensure_can_see_group_object, require
from kefu.bot.emotion import analyze as analyze_emotion
from kefu.bot.service import bot_service
from kefu.config import current_settings
from kefu.conversation import repository as repo
from kefu.conversation.bot_slot import BotTurn
from kefu.conversation.containment import BotTurn as BotTurnRecord
from kefu.conversation.containment import bot_resolved
from kefu.conversation.events import (
    ConversationAssigned,
    ConversationClosed,
    ConversationQueued,
    ConversationRated,
    ConversationStarted,
    ConversationUnassigned,
    MessageCreated,
)
from kefu.conversation.schemas import (
    ConversationDetail,
    ConversationOut,
    CustomerRef,
    LastMessage,
    MessageOut,
    RatingIn,
    TransferIn,
    WidgetSessionIn,
)
from kefu.conversation.tokens import ChatTicket
from kefu.customer.schemas import CustomerCreate
from kefu.customer.service import customer_service
from kefu.errors import Conflict, Forbidden, KefuError, NotFound, Unprocessable
from kefu.kit import jobs
from kefu.kit.events import publish
from kefu.kit.time import utcnow
from kefu.loyalty.service import loyalty_service
from kefu.models import ChatAttachment, Conversation, Message
from kefu.models.conversation import ConversationStatus, Sender
from kefu.models.ticket import Channel, TicketPriority
from kefu.routing.events import ROUTE_JOB
from kefu.team.service import team_service
from kefu.ticket import attachments
from kefu.ticket.notices import ticket_notice_service
from kefu.ticket.schemas import TicketCreate, TicketUpdate
from kefu.ticket.service import ticket_service

STICKY_LOOKBACK = timedelta(days=30)
STICKY_WAIT_DEFAULT = timedelta(seconds=60)
TRANSCRIPT_LIMIT = 20_000


# Once a person is involved, each message is also a line on the ticket's timeline.
_RECORDED = frozenset({ConversationStatus.QUEUED, ConversationStatus.ASSIGNED})
SENDER_LABEL = {"customer": "客户", "bot": "机器人", "agent": "客服", "system": "系统"}
CHANNEL_SUBJECT = {"phone": "电话咨询", "wechat": "微信咨询", "app": "App 咨询"}


def _record(session: AsyncSession, conv: Conversation, msg: Message) -> None:
    """The message as a comment of the conversation's ticket, with its real author: the
    customer's and agent's words public, internal notes and system lines internal."""
    assert conv.ticket_id is not None
    ticket_service.record_conversation(
        session,
        conv.ticket_id,
        author_type=str(msg.sender),
        body=msg.text,
        public=not msg.internal and msg.sender in (Sender.CUSTOMER, Sender.AGENT, Sender.BOT),
        via=conv.channel,
        conversation_id=conv.id,
        seq=msg.seq,
        user_id=msg.user_id,
        customer_id=conv.customer_id,
        created_at=msg.created_at,
    )


class ChatError(KefuError):
    """A refusal that sockets turn into an error frame with this code."""


class ConversationService:
    # --- messages -----------------------------------------------------------------------
    async def append(
        self,
        session: AsyncSession,
        conv: Conversation,
        *,
        sender: Sender,
        text: str,
        user_id: int | None = None,
        client_id: str | None = None,
        internal: bool = False,
        extra: dict[str, Any] | None = None,
        emotion: str | None = None,
        anger: float | None = None,
    ) -> Message:
        """Next `seq` under the conversation's row lock (the caller loaded it with lock=True)."""
        now = utcnow()
        if conv.id is None or conv in session.new:
            await session.flush()  # the message row refers to the conversation's
        conv.last_seq += 1
        conv.updated_at = now
        values: dict[str, Any] = {
            "conversation_id": conv.id,
            "seq": conv.last_seq,
            "sender": str(sender),
            "user_id": user_id,
            "client_id": client_id,
            "text": text,
            "internal": internal,
            "extra": extra or {},
            "emotion": emotion,
            "anger": anger,
            "created_at": now,
        }
        # The hottest insert of the product (every chat line): one Core INSERT … RETURNING on
        # the session's connection instead of an ORM object in the unit of work. The message
        # handed back is a detached copy; nothing changes a message after it is written.
        msg = Message(id=await repo.insert_message(session, values), **values)
        if conv.ticket_id is not None and conv.status in _RECORDED:
            _record(session, conv, msg)  # the ticket's timeline, in this unit
        await publish(
            session,
            MessageCreated(
                conversation_id=conv.id,
                customer_id=conv.customer_id,
                seq=msg.seq,
                sender=sender,
                text=text,
                internal=internal,
                user_id=user_id,
                assignee_id=conv.assignee_id,
                ticket_id=conv.ticket_id,
                created_at=now.isoformat(),
                extra=extra or {},
                channel=conv.channel,
                emotion=emotion,
                anger=anger,
            ),
            actor_id=user_id,
        )
        return msg

    async def _locked(self, session: AsyncSession, conversation_id: int) -> Conversation:
        conv = await repo.get(session, conversation_id, lock=True)
        if conv is None:
            raise NotFound("会话不存在 / conversation not found")
        return conv

    async def customer_message(
        self,
        session: AsyncSession,
        chat: ChatTicket,
        client_id: str,
        text: str,
        extra: dict[str, Any] | None = None,
    ) -> tuple[Message, bool, Conversation]:
        """Store a customer's message once per client id; (message, is_new, conversation)."""
        conv = await self._locked(session, chat.conversation_id)
        existing = await repo.message_by_client_id(session, conv.id, client_id)
        if existing is not None:
            return existing, False, conv
        if conv.status == ConversationStatus.CLOSED:  # writing again reopens with the bot
            conv.status = ConversationStatus.BOT
            conv.closed_at = None
            conv.assignee_id = None
            conv.bot_misses = 0
        feeling = analyze_emotion(text)  # pure CPU, ~0.2 ms: drives hand-off, priority and QA
        msg = await self.append(
            session,
            conv,
            sender=Sender.CUSTOMER,
            text=text,
            client_id=client_id,
            extra=extra,
            emotion=feeling.label,
            anger=feeling.anger,
        )
        conv.last_customer_at = msg.created_at
        if conv.ticket_id is not None and conv.status == ConversationStatus.ASSIGNED:
            await ticket_service.channel_customer_wrote(session, conv.ticket_id)
            # The ticket's owner hears of the customer's turn (first message only).
            await ticket_notice_service.customer_chatted(
                session, conv.ticket_id, conversation_id=conv.id, seq=msg.seq, chat_agent_id=conv.assignee_id
            )
        return msg, True, conv

    async def staff_message(
        self,
        session: AsyncSession,
        principal: Principal,
        conversation_id: int,
        client_id: str,
        text: str,
        *,
        internal: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> tuple[Message, bool]:
        require(principal, Perm.TICKETS_WORK)
        conv = await self._locked(session, conversation_id)
        existing = await repo.message_by_client_id(session, conv.id, client_id)
        if existing is not None:
            return existing, False
        mine = conv.status == ConversationStatus.ASSIGNED and conv.assignee_id == principal.id
        # Supervisors may leave internal notes on any conversation (coaching).
        if not mine and not (internal and principal.can(Perm.TICKETS_READ_ALL)):
            raise ChatError(
                "该会话未分配给您 / this conversation is not assigned to you", 403, code="not_assigned"
            )
        msg = await self.append(
            session,
            conv,
            sender=Sender.AGENT,
            text=text,
            user_id=principal.id,
            client_id=client_id,
            internal=internal,
            extra=extra,
        )
        if not internal:
            if conv.first_agent_reply_at is None:
                conv.first_agent_reply_at = msg.created_at
            if conv.ticket_id is not None:
                await ticket_service.channel_agent_replied(session, conv.ticket_id, principal.id)
        return msg, True

    async def customer_messages_after(
        self, session: AsyncSession, chat: ChatTicket, after_seq: int
    ) -> Sequence[Message]:
        conv = await repo.get(session, chat.conversation_id)
        if conv is None:
            raise NotFound("会话不存在 / conversation not found")
        _check_after(conv, after_seq)
        return await repo.messages_after(session, conv.id, after_seq, internal=False)

    async def staff_messages_after(
        self, session: AsyncSession, principal: Principal, conversation_id: int, after_seq: int
    ) -> Sequence[Message]:
        conv = await self.get_for_staff(session, principal, conversation_id)
        _check_after(conv, after_seq)
        return await repo.messages_after(session, conv.id, after_seq, internal=True)

    async def mark_read(
        self, session: AsyncSession, conversation_id: int, seq: int, *, by_agent: bool
    ) -> None:
        conv = await self._locked(session, conversation_id)
        seq = max(0, min(seq, conv.last_seq))
        if by_agent:
            conv.agent_read_seq = max(conv.agent_read_seq, seq)
        else:
            conv.customer_read_seq = max(conv.customer_read_seq, seq)

    # --- sessions and the bot -----------------------------------------------------------
    async def start(
        self,
        session: AsyncSession,
        data: WidgetSessionIn,
        *,
        channel: str = "chat",
        customer_id: int | None = None,
    ) -> Conversation:
        """A new conversation; `customer_id` when the channel already knows the customer."""
        fields = CustomerCreate(
            name=data.name or "", email=data.email, phone=data.phone, external_id=data.external_id
        )
        if customer_id is not None:
            customer = await customer_service.get(session, None, customer_id)
        elif data.email or data.phone or data.external_id:
            customer = await customer_service.find_or_create(session, fields)
        else:
            customer = await customer_service.create(
                session, fields.model_copy(update={"name": data.name or "访客"}), actor=None
            )
        conv = Conversation(
            customer_id=customer.id,
            channel=channel,
            status=ConversationStatus.BOT,
            locale=(data.locale or customer.locale or "zh_CN")[:10],
            tier=customer.tier,
        )
        session.add(conv)
        await session.flush()
        await publish(
            session, ConversationStarted(conversation_id=conv.id, customer_id=customer.id, channel=channel)
        )
        return conv

    async def tier_of(self, session: AsyncSession, conv: Conversation) -> str:
        if conv.customer_id is None:
            return "none"
        return (await customer_service.get(session, None, conv.customer_id)).tier

    async def bot_turn(
        self,
        session: AsyncSession,
        conversation_id: int,
        turn: BotTurn,
        *,
        question: str | None = None,
        locked: Conversation | None = None,
    ) -> None:
        """Store the bot's replies (and log the turn); hand off when it asks to. Ignored once
        a human has the conversation. `locked`: the conversation as this transaction already
        loaded it under its row lock (the customer's message's own unit), saving a query."""
        conv = locked if locked is not None and locked.id == conversation_id else None
        if conv is None:
            conv = await self._locked(session, conversation_id)
        if conv.status != ConversationStatus.BOT:
            return
        for i, text in enumerate(turn.replies):
            extra: dict[str, Any] = {}
            if turn.intent is not None:
                extra["intent"] = turn.intent
                extra["confidence"] = turn.confidence
            if i == len(turn.replies) - 1:
                if turn.buttons:
                    extra["buttons"] = list(turn.buttons)
                if turn.articles:
                    extra["articles"] = list(turn.articles)
            await self.append(session, conv, sender=Sender.BOT, text=text, extra=extra)
        conv.bot_misses = conv.bot_misses + 1 if turn.missed else 0
        if turn.state is not None:
            conv.bot_state = dict(turn.state)
        if question is not None:
            await bot_service.log_turn(session, conv.id, question, turn)
        if turn.ticket and not turn.handoff and conv.customer_id is not None:
            await self._record_ticket(session, conv, turn)
        if turn.note:
            await self.append(
                session,
                conv,
                sender=Sender.SYSTEM,
                text=turn.note,
                internal=True,
                extra={"facts": turn.facts},
            )
        if turn.handoff:
            await self.handoff(
                session, conv, group_name=turn.group_name, reason=turn.reason, facts=turn.facts
            )

    async def _record_ticket(self, session: AsyncSession, conv: Conversation, turn: BotTurn) -> None:
        """A bot intent's "create a ticket" action: the customer's open ticket, else a new one
        in the intent's group; the customer is told its number."""
        group_id = None
        if turn.group_name:
            group = await team_service.by_name(session, turn.group_name)
            group_id = group.id if group else None
        if group_id is None:
            default = await team_service.default_group(session)
            group_id = default.id if default else None
        if conv.ticket_id is None:
            await self._attach_ticket(session, conv, group_id, turn.facts)
        text = f"已为您记录工单 #{conv.ticket_id}，客服会尽快处理并回复您。"
        if conv.locale.startswith("en"):
            text = f"Ticket #{conv.ticket_id} is recorded; our team will get back to you."
        await self.append(session, conv, sender=Sender.SYSTEM, text=text)

    async def bot_snapshot(
        self, session: AsyncSession, conversation_id: int
    ) -> tuple[dict[str, Any], int] | None:
        """(bot state, misses) of a conversation the bot still serves, else None."""
        conv = await repo.get(session, conversation_id)
        if conv is None or conv.status != ConversationStatus.BOT:
            return None
        return dict(conv.bot_state or {}), conv.bot_misses

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
        if group_id is None and not group_name and benefit.priority_queue:
            group_name = current_settings().advisor_group  # the tier's priority queue (VIP专席)
        if group_id is None and group_name:
            group = await team_service.by_name(session, group_name)
            group_id = group.id if group else None
        if group_id is None:
            default = await team_service.default_group(session)
            group_id = default.id if default else None
        now = utcnow()
        if conv.ticket_id is None and conv.customer_id is not None:
            await self._attach_ticket(session, conv, group_id, facts or {})
        await self._record_before_handoff(session, conv, facts or {})
        conv.sticky_agent_id, conv.sticky_until = await self._sticky(session, conv, group_id, now)
        conv.priority = benefit.routing_boost
        conv.status = ConversationStatus.QUEUED
        conv.group_id = group_id
        conv.queued_at = now
        conv.first_queued_at = conv.first_queued_at or now
        conv.assignee_id = None
        await self._announce_queued(session, conv, reason)

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

    async def _sticky(
        self, session: AsyncSession, conv: Conversation, group_id: int | None, now: Any
    ) -> tuple[int | None, Any]:
        """熟客优先: the dedicated advisor, else the owner of an open or recent ticket."""
        if conv.customer_id is None:
            return None, None
        customer = await customer_service.get(session, None, conv.customer_id)
        agent_id = customer.advisor_id or await ticket_service.recent_owner(
            session, conv.customer_id, now - STICKY_LOOKBACK
        )
        if agent_id is None:
            return None, None
        wait = await self._sticky_wait(session, group_id)
        return agent_id, now + wait

    async def _sticky_wait(self, session: AsyncSession, group_id: int | None) -> timedelta:
        seconds = await repo.sticky_wait_seconds(session, group_id) if group_id is not None else None
        return timedelta(seconds=seconds) if seconds is not None else STICKY_WAIT_DEFAULT

    # --- assignment, transfer, close ----------------------------------------------------
    async def assigned(
        self,
        session: AsyncSession,
        conv: Conversation,
        agent_id: int,
        *,
        reason: dict[str, Any],
        previous_agent_id: int | None = None,
    ) -> None:
        """After the conversation row says `assigned` to agent_id: notices, ticket follows."""
        agent = await user_service.get(session, agent_id)
        agent_name = agent.name if agent else ""
        conv.assign_reason = reason
        conv.updated_at = utcnow()
        if conv.ticket_id is not None:
            await ticket_service.channel_assigned(session, conv.ticket_id, agent_id)
        customer_name = ""
        if conv.customer_id is not None:
            customer_name = (await customer_service.get(session, None, conv.customer_id)).name
        await self.append(session, conv, sender=Sender.SYSTEM, text=f"客服 {agent_name} 为您服务。")
        await publish(
            session,
            ConversationAssigned(
                conversation_id=conv.id,
                customer_id=conv.customer_id,
                agent_id=agent_id,
                agent_name=agent_name,
                previous_agent_id=previous_agent_id,
                ticket_id=conv.ticket_id,
                customer_name=customer_name,
                group_id=conv.group_id,
                reason=reason,
            ),
            actor_id=agent_id,
        )

    async def transfer(
        self, session: AsyncSession, principal: Principal, conversation_id: int, data: TransferIn
    ) -> Conversation:
        require(principal, Perm.TICKETS_WORK)
        conv = await self._locked(session, conversation_id)
        self._check_workable(principal, conv)
        previous = conv.assignee_id
        note = data.note.strip()
        if note:
            await self.append(
                session,
                conv,
                sender=Sender.AGENT,
                user_id=principal.id,
                text=f"转接备注：{note}",
                internal=True,
            )
        if data.to_user_id is not None:
            target = await user_service.get(session, data.to_user_id)
            if target is None or not target.is_active:
                raise Unprocessable("转接对象不存在或已停用 / no such active agent", code="invalid_agent")
            if data.to_user_id == previous:
                raise Conflict("会话已在该坐席名下 / already assigned to that agent", code="same_agent")
            await self._hand_to(
                session,
                conv,
                target.id,
                {"rule": "transfer", "by": principal.id, "note": note},
                "transferred",
            )
            return conv
        assert data.to_group_id is not None
        await team_service.get(session, data.to_group_id)
        await self.requeue(session, conv, group_id=data.to_group_id, why="transferred", reason="transfer")
        return conv

    async def requeue(
        self, session: AsyncSession, conv: Conversation, *, group_id: int | None, why: str, reason: str
    ) -> None:
        """Back into a queue (transfer to a group, agent offline); waiting time is kept."""
        previous = conv.assignee_id
        conv.status = ConversationStatus.QUEUED
        conv.assignee_id = None
        conv.group_id = group_id if group_id is not None else conv.group_id
        conv.queued_at = utcnow()
        conv.sticky_agent_id = None
        conv.sticky_until = None
        if previous is not None:
            await self._unassigned(session, conv, previous, why)
        await self.append(session, conv, sender=Sender.SYSTEM, text="正在为您转接其他客服，请稍候。")
        await self._announce_queued(session, conv, reason)

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

    async def _hand_to(
        self, session: AsyncSession, conv: Conversation, agent_id: int, reason: dict[str, Any], why: str
    ) -> None:
        """A person chose the agent (transfer, takeover): no queue, no capacity check."""
        previous = conv.assignee_id
        conv.status = ConversationStatus.ASSIGNED
        conv.assignee_id = agent_id
        conv.assigned_at = utcnow()
        if previous is not None:
            await self._unassigned(session, conv, previous, why)
        await self.assigned(session, conv, agent_id, reason=reason, previous_agent_id=previous)

    async def _unassigned(self, session: AsyncSession, conv: Conversation, agent_id: int, why: str) -> None:
        await publish(
            session,
            ConversationUnassigned(
                conversation_id=conv.id, customer_id=conv.customer_id, agent_id=agent_id, why=why
            ),
        )

    async def takeover(
        self, session: AsyncSession, principal: Principal, conversation_id: int
    ) -> Conversation:
        require(principal, Perm.REPORTS_READ)  # supervisors and admins
        require(principal, Perm.TICKETS_WORK)
        conv = await self._locked(session, conversation_id)
        if conv.status == ConversationStatus.CLOSED:
            raise Conflict("会话已结束 / the conversation is closed", code="closed")
        if conv.assignee_id != principal.id:
            await self._hand_to(
                session, conv, principal.id, {"rule": "takeover", "by": principal.id}, "taken_over"
            )
        return conv

    async def channel_assign(
        self, session: AsyncSession, conversation_id: int, agent_id: int, reason: dict[str, Any]
    ) -> None:
        """A channel already put a person on it (the agent who answered a phone call)."""
        conv = await self._locked(session, conversation_id)
        if conv.status != ConversationStatus.CLOSED and conv.assignee_id != agent_id:
            await self._record_before_handoff(session, conv, {})  # when the call has a ticket
            await self._hand_to(session, conv, agent_id, reason, "channel")

    async def channel_note(
        self, session: AsyncSession, conversation_id: int, text: str, extra: dict[str, Any] | None = None
    ) -> Message:
        """A system line a channel adds (call answered, recording, transcript)."""
        conv = await self._locked(session, conversation_id)
        return await self.append(session, conv, sender=Sender.SYSTEM, text=text, extra=extra)

    async def close(
        self,
        session: AsyncSession,
        principal: Principal | None,
        conversation_id: int,
        *,
        solve_ticket: bool = False,
        why: str = "agent",
    ) -> Conversation:
        conv = await self._locked(session, conversation_id)
        if principal is not None:
            require(principal, Perm.TICKETS_WORK)
            self._check_workable(principal, conv)
        if conv.status == ConversationStatus.CLOSED:
            return conv
        now = utcnow()
        text = "会话已结束，感谢您的咨询。" if why != "idle" else "由于长时间没有新消息，会话已结束。"
        await self.append(session, conv, sender=Sender.SYSTEM, text=text)
        assignee = conv.assignee_id
        if conv.status == ConversationStatus.BOT:  # the bot kept it: did it resolve it?
            conv.bot_resolved = await self._bot_resolved(session, conv.id)
        conv.status = ConversationStatus.CLOSED
        conv.closed_at = now
        await publish(
            session,
            ConversationClosed(
                conversation_id=conv.id,
                customer_id=conv.customer_id,
                assignee_id=assignee,
                group_id=conv.group_id,
            ),
            actor_id=principal.user_id if principal else None,
        )
        if solve_ticket and conv.ticket_id is not None and principal is not None:
            await ticket_service.update(session, principal, conv.ticket_id, TicketUpdate(status="solved"))
        if assignee is not None:
            await jobs.enqueue(session, ROUTE_JOB, {"group_id": conv.group_id})  # capacity freed
        return conv

    async def _bot_resolved(self, session: AsyncSession, conversation_id: int) -> bool:
        logged = await repo.bot_turns(session, conversation_id)
        turns = [BotTurnRecord(t.outcome, t.intent, t.question) for t in logged]
        after = (
            await repo.customer_texts_after(session, conversation_id, logged[-1].created_at) if logged else []
        )
        return bot_resolved(turns, after)

    def _check_workable(self, principal: Principal, conv: Conversation) -> None:
        """Agents act on their own conversations; supervisors on any."""
        if principal.can(Perm.TICKETS_READ_ALL) or conv.assignee_id == principal.id:
            return
        ensure_can_see_group_object(
            principal, group_id=conv.group_id, assignee_id=conv.assignee_id, customer_id=conv.customer_id
        )
        raise ChatError(
            "该会话未分配给您 / this conversation is not assigned to you", 403, code="not_assigned"
        )

    async def rate(self, session: AsyncSession, chat: ChatTicket, data: RatingIn) -> None:
        conv = await self._locked(session, chat.conversation_id)
        if conv.rating is not None:
            raise Conflict("已经评价过了 / this conversation is already rated", code="already_rated")
        if (
            conv.status == ConversationStatus.BOT
            and conv.assignee_id is None
            and conv.first_queued_at is None
        ):
            raise Conflict("人工服务后才能评价 / rate after talking to an agent", code="nothing_to_rate")
        conv.rating = data.score
        conv.rating_comment = data.comment
        if conv.ticket_id is not None:
            ticket_service.record_conversation(
                session,
                conv.ticket_id,
                author_type="customer",
                customer_id=conv.customer_id,
                body=f"满意度评价：{data.score}/5" + (f"，{data.comment}" if data.comment else ""),
                public=False,
                via=conv.channel,
                conversation_id=conv.id,
                seq=conv.last_seq,
                data={"rating": data.score, "comment": data.comment or ""},
            )
        await publish(
            session,
            ConversationRated(
                conversation_id=conv.id,
                customer_id=conv.customer_id,
                score=data.score,
                assignee_id=conv.assignee_id,
            ),
        )

    async def close_idle(self, session: AsyncSession, *, bot_minutes: int, human_minutes: int) -> int:
        now = utcnow()
        closed = 0
        for cid in await repo.idle(
            session, now - timedelta(minutes=bot_minutes), [ConversationStatus.BOT], 200
        ):
            await self.close(session, None, cid, why="idle")
            closed += 1
        for cid in await repo.idle(
            session, now - timedelta(minutes=human_minutes), [ConversationStatus.ASSIGNED], 200
        ):
            await self.close(session, None, cid, why="idle")
            closed += 1
        return closed

    # --- attachments --------------------------------------------------------------------
    async def attach(
        self,
        session: AsyncSession,
        conversation_id: int,
        root: Path,
        filename: str,
        content_type: str,
        data: bytes,
        *,
        principal: Principal | None = None,
        chat: ChatTicket | None = None,
    ) -> Message:
        attachments.check(filename, content_type, len(data))
        conv = await self._locked(session, conversation_id)
        if principal is not None:
            self._check_workable(principal, conv)
        key = attachments.store(root, data)
        att = ChatAttachment(
            conversation_id=conv.id,
            filename=filename[:255] or "file",
            content_type=content_type.split(";")[0].strip().lower(),
            size=len(data),
            storage_key=key,
        )
        session.add(att)
        await session.flush()
        extra = {"attachment": {"id": att.id, "name": att.filename, "size": att.size}}
        if principal is not None:
            msg, _ = await self.staff_message(
                session, principal, conv.id, f"att-{key}", f"📎 {att.filename}", extra=extra
            )
            return msg
        return await self.append(
            session, conv, sender=Sender.CUSTOMER, text=f"📎 {att.filename}", extra=extra
        )

    async def attachment(
        self,
        session: AsyncSession,
        attachment_id: int,
        *,
        principal: Principal | None = None,
        chat: ChatTicket | None = None,
    ) -> ChatAttachment:
        att = await repo.attachment(session, attachment_id)
        if att is None:
            raise NotFound("附件不存在 / attachment not found")
        if chat is not None:
            if chat.conversation_id != att.conversation_id:
                raise NotFound("附件不存在 / attachment not found")
        elif principal is not None:
            await self.get_for_staff(session, principal, att.conversation_id)
        else:
            raise NotFound("附件不存在 / attachment not found")
        return att

    # --- reading ------------------------------------------------------------------------
    async def customer_question(
        self, session: AsyncSession, principal: Principal, conversation_id: int
    ) -> tuple[str, int | None]:
        """What the customer is asking now (their last messages) — for agent assist."""
        conv = await self.get_for_staff(session, principal, conversation_id)
        texts = await repo.recent_customer_texts(session, conv.id)
        return "\n".join(t for t in texts if not t.startswith("📎")), conv.customer_id

    async def get_for_staff(
        self, session: AsyncSession, principal: Principal, conversation_id: int
    ) -> Conversation:
        if not principal.is_staff:
            raise Forbidden("staff only")
        conv = await repo.get(session, conversation_id)
        if conv is None:
            raise NotFound("会话不存在 / conversation not found")
        ensure_can_see_group_object(
            principal, group_id=conv.group_id, assignee_id=conv.assignee_id, customer_id=conv.customer_id
        )
        return conv

    async def get(self, session: AsyncSession, conversation_id: int) -> Conversation | None:
        return await repo.get(session, conversation_id)

    async def list_for_staff(
        self, session: AsyncSession, principal: Principal, *, scope: str, customer_id: int | None
    ) -> list[ConversationOut]:
        require(principal, Perm.TICKETS_WORK)
        group_ids = None if principal.can(Perm.TICKETS_READ_ALL) else sorted(principal.group_ids)
        if customer_id is not None:
            rows = await repo.list_conversations(session, customer_id=customer_id, limit=50)
        elif scope == "mine":
            rows = await repo.list_conversations(
                session, assignee_id=principal.id, statuses=[ConversationStatus.ASSIGNED]
            )
        elif scope == "queue":
            rows = await repo.list_conversations(
                session, statuses=[ConversationStatus.QUEUED], group_ids=group_ids, limit=500
            )
        else:
            rows = await repo.list_conversations(session, group_ids=group_ids)
        if group_ids is not None and customer_id is not None:
            rows = [
                c
                for c in rows
                if c.group_id is None or c.group_id in principal.group_ids or c.assignee_id == principal.id
            ]
        return await self.outs(session, rows)

    async def for_ticket(
        self, session: AsyncSession, principal: Principal, ticket_id: int
    ) -> list[tuple[ConversationOut, dict[str, Any]]]:
        """The ticket's conversations with why each got its agent (shown on the ticket)."""
        require(principal, Perm.TICKETS_WORK)
        rows = await repo.list_conversations(session, ticket_id=ticket_id, limit=50)
        return list(zip(await self.outs(session, rows), [c.assign_reason or {} for c in rows], strict=True))

    async def outs(self, session: AsyncSession, rows: Sequence[Conversation]) -> list[ConversationOut]:
        ids = [c.id for c in rows]
        last = await repo.last_messages(session, ids)
        unread = await repo.unread_counts(session, ids)
        users, groups, customers = await repo.names(
            session,
            user_ids={c.assignee_id for c in rows if c.assignee_id is not None},
            group_ids={c.group_id for c in rows if c.group_id is not None},
            customer_ids={c.customer_id for c in rows if c.customer_id is not None},
        )
        out = []
        for c in rows:
            m = last.get(c.id)
            out.append(
                ConversationOut(
                    id=c.id,
                    status=c.status,
                    channel=c.channel,
                    customer=CustomerRef(id=c.customer_id, name=customers.get(c.customer_id, ""))
                    if c.customer_id is not None
                    else None,
                    group_id=c.group_id,
                    group_name=groups.get(c.group_id) if c.group_id is not None else None,
                    assignee_id=c.assignee_id,
                    assignee_name=users.get(c.assignee_id) if c.assignee_id is not None else None,
                    ticket_id=c.ticket_id,
                    last_seq=c.last_seq,
                    unread=unread.get(c.id, 0),
                    last_message=LastMessage(sender=m.sender, text=m.text[:200], created_at=m.created_at)
                    if m
                    else None,
                    priority=c.priority,
                    queued_at=c.queued_at,
                    assigned_at=c.assigned_at,
                    closed_at=c.closed_at,
                    created_at=c.created_at,
                    rating=c.rating,
                    customer_read_seq=c.customer_read_seq,
                    agent_read_seq=c.agent_read_seq,
                )
            )
        return out

    async def detail(
        self, session: AsyncSession, principal: Principal, conversation_id: int
    ) -> ConversationDetail:
        conv = await self.get_for_staff(session, principal, conversation_id)
        (base,) = await self.outs(session, [conv])
        messages = await repo.messages_after(session, conv.id, 0, internal=True, limit=5000)
        authors, _, _ = await repo.names(
            session,
            user_ids={m.user_id for m in messages if m.user_id is not None},
            group_ids=set(),
            customer_ids=set(),
        )
        return ConversationDetail(
            **base.model_dump(),
            customer_id=conv.customer_id,
            assign_reason=conv.assign_reason or {},
            messages=[
                message_out(m, staff=True).model_copy(
                    update={"author_name": authors.get(m.user_id) if m.user_id else None}
                )
                for m in messages
            ],
        )


def _check_after(conv: Conversation, after_seq: int) -> None:
    if after_seq > conv.last_seq or after_seq < 0:
        raise ChatError(
            f"没有序号 {after_seq} 之后的消息 / no such seq (last is {conv.last_seq})", 422, code="future_seq"
        )


def message_out(m: Message, *, staff: bool = False) -> MessageOut:
    """A message for the API; emotion is for staff only."""
    extra = m.extra or {}
    return MessageOut(
        seq=m.seq,
        sender=m.sender,
        text=m.text,
        internal=m.internal,
        user_id=m.user_id,
        created_at=m.created_at,
        attachment=extra.get("attachment"),
        buttons=extra.get("buttons"),
        articles=extra.get("articles"),
        facts=extra.get("facts"),
        emotion=m.emotion if staff else None,
        anger=m.anger if staff else None,
    )


def message_frame(conversation_id: int, m: Message) -> dict[str, Any]:
    """The socket frame of a stored message (same shape as MessageCreated.frame)."""
    frame: dict[str, Any] = {
        "type": "message",
        "conversation_id": conversation_id,
        "seq": m.seq,
        "sender": m.sender,
        "text": m.text,
        "created_at": m.created_at.isoformat(),
    }
    if m.user_id is not None:
        frame["user_id"] = m.user_id
    if m.internal:
        frame["internal"] = True
    extra = m.extra or {}
    for key in ("attachment", "buttons", "articles"):
        if key in extra:
            frame[key] = extra[key]
    if m.emotion is not None:  # for staff; the customer's socket drops them
        frame["emotion"], frame["anger"] = m.emotion, m.anger
    return frame


conversation_service = ConversationService()
