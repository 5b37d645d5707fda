"""An agent's public reply sent by email on a ticket that did not come by email (a chat,
WeChat, app or phone conversation, the portal): the reply form's "also send by email" box,
`POST /api/v1/tickets/{id}/comments` with `email: true`. The comment is marked
(`data.email`); the mail listener sends it through the outbox with the [#id] subject token, and
the mail carries the conversation as it is on the ticket's timeline — the customer's, the
bot's and the agents' public lines with their times, never an internal note or system line.
Email tickets are answered by email as before, with or without the box."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.auth.service import user_service
from kefu.authz import SYSTEM, Principal
from kefu.customer.service import customer_service
from kefu.errors import Conflict, Forbidden, NotFound
from kefu.models.ticket import Channel, Ticket, TicketComment
from kefu.ticket.schemas import CommentCreate
from kefu.ticket.service import ticket_service

TRANSCRIPT_LINES = 500


@dataclass(frozen=True)
class TranscriptLine:
    at: datetime | None
    sender: str  # customer, bot or agent
    name: str
    text: str


class EmailReplyService:
    async def customer_email(self, session: AsyncSession, t: Ticket) -> str | None:
        if t.customer_id is None:
            return None
        return await customer_service.primary_email(session, t.customer_id)

    async def offer(
        self, session: AsyncSession, t: Ticket, conversation_statuses: Sequence[str]
    ) -> dict[str, bool]:
        """The reply form's box: offered on a non-email ticket whose customer has an email
        address; ticked when the ticket's conversations are over (the customer left the
        chat, so the answer has to reach them elsewhere)."""
        available = t.channel != Channel.EMAIL and bool(await self.customer_email(session, t))
        closed = bool(conversation_statuses) and all(s == "closed" for s in conversation_statuses)
        return {"available": available, "default": available and closed}

    async def reply(
        self, session: AsyncSession, principal: Principal, ticket_id: int, data: CommentCreate
    ) -> TicketComment:
        if data.email and not principal.is_staff:
            raise Forbidden(
                "只有客服可以发送邮件回复 / only staff send replies by email", code="email_staff_only"
            )
        comment = await ticket_service.add_comment(
            session, principal, ticket_id, data.body, public=data.public
        )
        if not data.email:
            return comment
        t = await ticket_service.get(session, None, ticket_id)
        if t.channel == Channel.EMAIL:
            return comment  # mailed as every public reply on an email ticket
        if not await self.customer_email(session, t):
            raise Conflict(
                "客户没有邮箱地址，无法发送邮件 / the customer has no email address",
                code="no_customer_email",
            )
        comment.data = {**(comment.data or {}), "email": True}
        return comment

    def wants_mail(self, t: Ticket, comment: TicketComment) -> bool:
        """Whether the outbox sends this public reply (email tickets: always)."""
        return t.channel == Channel.EMAIL or bool((comment.data or {}).get("email"))

    async def transcript(self, session: AsyncSession, t: Ticket) -> list[TranscriptLine]:
        """The ticket's conversations as the customer saw them, oldest first: the bot part
        before the hand-off (its transcript) and every public line after it."""
        comments = await ticket_service.comments(session, SYSTEM, t)
        customer_name = ""
        if t.customer_id is not None:
            try:
                customer_name = (await customer_service.get(session, None, t.customer_id)).name
            except NotFound:
                customer_name = ""
        names: dict[int, str] = {}
        lines: list[TranscriptLine] = []
        for c in comments:
            if c.conversation_id is None:
                continue
            data = c.data or {}
            if data.get("transcript"):
                for line in data["transcript"]:
                    sender = str(line.get("sender", ""))
                    if line.get("internal") or sender not in ("customer", "bot", "agent"):
                        continue
                    at = _parse(line.get("at"))
                    name = customer_name if sender == "customer" else ""
                    lines.append(TranscriptLine(at, sender, name, str(line.get("text", ""))))
                continue
            if not c.public or data.get("rating") is not None:
                continue  # internal notes, system lines, the rating
            if c.author_user_id is not None:
                if c.author_user_id not in names:
                    user = await user_service.get(session, c.author_user_id)
                    names[c.author_user_id] = user.name if user else ""
                lines.append(TranscriptLine(c.created_at, "agent", names[c.author_user_id], c.body))
            elif c.author_customer_id is not None:
                lines.append(TranscriptLine(c.created_at, "customer", customer_name, c.body))
            elif c.author_kind == "bot":
                lines.append(TranscriptLine(c.created_at, "bot", "", c.body))
        return lines[-TRANSCRIPT_LINES:]


def _parse(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


email_reply_service = EmailReplyService()
