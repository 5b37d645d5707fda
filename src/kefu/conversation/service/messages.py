"""Messages: the customer's and the staff's lines (once per client id), reading after a
`seq`, read marks, attachments."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, require
from kefu.conversation import repository as repo
from kefu.conversation.service.base import ChatError, ConversationBase
from kefu.conversation.tokens import ChatTicket
from kefu.errors import NotFound
from kefu.models import ChatAttachment, Conversation, Message
from kefu.models.conversation import ConversationStatus, Sender
from kefu.nlp.emotion import Emotion
from kefu.nlp.emotion import analyze as analyze_emotion
from kefu.ticket import attachments
from kefu.ticket.notices import ticket_notice_service
from kefu.ticket.service import ticket_service


class ConversationMessages(ConversationBase):
    async def customer_message(
        self,
        session: AsyncSession,
        chat: ChatTicket,
        client_id: str,
        text: str,
        extra: dict[str, Any] | None = None,
        feeling: Emotion | None = None,
        *,
        hold: bool = False,
    ) -> tuple[Message, bool, Conversation]:
        """Store a customer's message once per client id; (message, is_new, conversation).
        `feeling`: the text's emotion when the caller analysed it already (off the loop).
        `hold`: while the bot serves the conversation, the line is written with the bot's
        answer (`append(hold=True)`); the caller then ends with `bot_turn` or `write_held`."""
        conv, existing_id = await repo.locked_with_client_id(session, chat.conversation_id, client_id)
        if conv is None:
            raise NotFound("会话不存在 / conversation not found")
        if existing_id is not None:  # a resend of a stored message: the same ack again
            existing = await repo.message(session, existing_id)
            assert existing is not None
            return existing, False, conv
        if conv.status == ConversationStatus.CLOSED:  # writing again reopens with the bot
            conv.status = ConversationStatus.BOT
            conv.closed_at = None
            conv.assignee_id = None
            conv.bot_misses = 0
        if feeling is None:  # pure CPU: drives hand-off, priority and QA
            feeling = analyze_emotion(text)
        msg = await self.append(
            session,
            conv,
            sender=Sender.CUSTOMER,
            text=text,
            client_id=client_id,
            extra=extra,
            emotion=feeling.label,
            anger=feeling.anger,
            hold=hold and conv.status == ConversationStatus.BOT,
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


def _check_after(conv: Conversation, after_seq: int) -> None:
    if after_seq > conv.last_seq or after_seq < 0:
        raise ChatError(
            f"没有序号 {after_seq} 之后的消息 / no such seq (last is {conv.last_seq})", 422, code="future_seq"
        )
