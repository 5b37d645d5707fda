"""What every conversation operation shares: appending a line (the hottest write of the
product), loading a conversation under its row lock or with the staff visibility check, and
the rule of who may act on one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import Perm, Principal, ensure_can_see_group_object
from kefu.conversation import repository as repo
from kefu.conversation.events import MessageCreated
from kefu.errors import Forbidden, KefuError, NotFound
from kefu.kit.events import publish, publish_many
from kefu.kit.time import utcnow
from kefu.models import Conversation, Message
from kefu.models.conversation import ConversationStatus, Sender
from kefu.ticket.service import ticket_service

# Lines staged for the next write of their conversation (`append(hold=True)`), by id.
_HELD = "conversation.held_lines"
# Once a person is involved, each message is also a line on the ticket's timeline.
_RECORDED = frozenset({ConversationStatus.QUEUED, ConversationStatus.ASSIGNED})


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


class ConversationBase:
    # --- the one write of a chat line, and loading ------------------------------------
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
        hold: bool = False,
    ) -> Message:
        """Next `seq` under the conversation's row lock (the caller loaded it with lock=True).

        `hold`: the line gets its seq now but is written with the conversation's next lines
        (`write_held`, which the bot's turn calls with its answer): one INSERT for both
        lines and one for both events. The message handed back has no id until then."""
        values = await self._stage(
            session, conv, sender, text, user_id, client_id, internal, extra, emotion, anger
        )
        if hold:
            held: dict[int, list[dict[str, Any]]] = session.info.setdefault(_HELD, {})
            held.setdefault(conv.id, []).append(values)
            return repo.detached_message(None, values)
        return (await self._write(session, conv, [values]))[0]

    async def write_held(
        self, session: AsyncSession, conv: Conversation, more: Sequence[dict[str, Any]] = ()
    ) -> list[Message]:
        """Write the conversation's held lines, then `more` (staged after them), together."""
        held: dict[int, list[dict[str, Any]]] = session.info.get(_HELD, {})
        rows = [*held.pop(conv.id, []), *more]
        return await self._write(session, conv, rows) if rows else []

    async def _stage(
        self,
        session: AsyncSession,
        conv: Conversation,
        sender: Sender,
        text: str,
        user_id: int | None = None,
        client_id: str | None = None,
        internal: bool = False,
        extra: dict[str, Any] | None = None,
        emotion: str | None = None,
        anger: float | None = None,
    ) -> dict[str, Any]:
        """A line's row, with the conversation's next seq taken for it."""
        now = utcnow()
        if conv.id is None or conv in session.new:
            await session.flush()  # the message row refers to the conversation's
        conv.last_seq += 1
        conv.updated_at = now
        return {
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

    async def _write(
        self, session: AsyncSession, conv: Conversation, rows: Sequence[dict[str, Any]]
    ) -> list[Message]:
        # The hottest insert of the product (every chat line): Core INSERT … RETURNING on
        # the session's connection instead of ORM objects in the unit of work, all the
        # lines of the unit in one statement. The messages handed back are detached copies;
        # nothing changes a message after it is written.
        messages = await repo.insert_messages(session, list(rows))
        if conv.ticket_id is not None and conv.status in _RECORDED:
            for msg in messages:
                _record(session, conv, msg)  # the ticket's timeline, in this unit
        # model_construct: every field comes typed from the row just written, so pydantic's
        # validation would only re-check it (~15 µs a line).
        events = [
            MessageCreated.model_construct(
                conversation_id=conv.id,
                customer_id=conv.customer_id,
                seq=msg.seq,
                sender=msg.sender,
                text=msg.text,
                internal=msg.internal,
                user_id=msg.user_id,
                assignee_id=conv.assignee_id,
                ticket_id=conv.ticket_id,
                created_at=msg.created_at.isoformat(),
                extra=msg.extra,
                channel=conv.channel,
                emotion=msg.emotion,
                anger=msg.anger,
            )
            for msg in messages
        ]
        actors = {msg.user_id for msg in messages}
        if len(actors) == 1:  # the usual case: one INSERT for the events too
            await publish_many(session, events, actor_id=actors.pop())
        else:
            for msg, event in zip(messages, events, strict=True):
                await publish(session, event, actor_id=msg.user_id)
        return messages

    async def _locked(self, session: AsyncSession, conversation_id: int) -> Conversation:
        conv = await repo.get(session, conversation_id, lock=True)
        if conv is None:
            raise NotFound("会话不存在 / conversation not found")
        return conv

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

    async def save_turn(self, session: AsyncSession, conv: Conversation) -> None:
        """A chat turn's changes to the conversation, written now and cheaply when they are
        all there is to write (see repository.save_turn); the unit's flush does the rest."""
        await repo.save_turn(session, conv)
