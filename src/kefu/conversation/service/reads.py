"""Reading conversations: lists, details with transcript, the customer's question for
assist, and a stored message as the API and the sockets show it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.conversation import frames
from kefu.conversation import repository as repo
from kefu.conversation.schemas import (
    ConversationDetail,
    ConversationOut,
    CustomerRef,
    LastMessage,
    MessageOut,
)
from kefu.conversation.service.base import ConversationBase
from kefu.models import Conversation, Message
from kefu.models.conversation import ConversationStatus


class ConversationReads(ConversationBase):
    async def customer_question(
        self, session: AsyncSession, principal: Principal, conversation_id: int
    ) -> tuple[str, int | None]:
        """What the customer is asking now (their last messages) — for agent assist."""
        conv = await self.get_for_staff(session, principal, conversation_id)
        texts = await repo.recent_customer_texts(session, conv.id)
        return "\n".join(t for t in texts if not t.startswith("📎")), conv.customer_id

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


def message_frame(conversation_id: int, m: Message) -> frames.MessageFrame:
    """The socket frame of a stored message (a refill: same frame as MessageCreated.frame)."""
    return frames.message(
        conversation_id,
        m.seq,
        m.sender,
        m.text,
        m.created_at.isoformat(),
        user_id=m.user_id,
        internal=m.internal,
        extra=m.extra,
        emotion=m.emotion,
        anger=m.anger,
    )
