"""Agents' public replies on email tickets go to the customer through the outbox, threaded
to the customer's last mail (In-Reply-To/References), with the [#123] subject token, from
the address the customer wrote to (its display name and signature), in their language.
On chat, WeChat, app, phone and portal tickets a reply is mailed when the agent asked for it
("send by email", ticket/email_reply.py), with the ticket's conversation below it.
Only mail a person wrote is ever answered: machine mail never reaches a ticket."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.authz import SYSTEM
from kefu.config import current_settings
from kefu.customer.service import customer_service
from kefu.errors import KefuError
from kefu.mail.parse import MailParseError, base_address, parse
from kefu.mail.repository import mail_repository
from kefu.mail.templates import reply_body, reply_subject, transcript_text
from kefu.models.mail import InboundMail, OutboundMail
from kefu.models.ticket import Channel
from kefu.outbox.service import AUTO_REPLY_KIND, REPLY_KIND, mail_service
from kefu.ticket.email_reply import email_reply_service
from kefu.ticket.service import ticket_service

MAX_REFERENCES = 20


class MailReplyService:
    async def _sender(self, session: AsyncSession, last: InboundMail | None) -> tuple[str | None, str, str]:
        """(From address, display name, signature) of the mailbox the customer wrote to."""
        if last is None:
            return None, "", ""
        if last.mailbox_id is not None:
            box = await mail_repository.mailbox(session, last.mailbox_id)
            if box is not None:
                return box.address, box.from_name, box.signature
        candidates = [base_address(r) for r in last.recipients]
        mapped = {a.address: a for a in await mail_repository.addresses_in(session, candidates)}
        for value in candidates:
            if value in mapped:
                a = mapped[value]
                return a.address, a.from_name, a.signature
        return None, "", ""

    async def reply_for_comment(
        self, session: AsyncSession, ticket_id: int, comment_id: int
    ) -> OutboundMail | None:
        ticket = await ticket_service.get(session, None, ticket_id)
        if ticket.customer_id is None:
            return None
        comment = next(
            (c for c in await ticket_service.comments(session, SYSTEM, ticket) if c.id == comment_id), None
        )
        if comment is None or not comment.public:
            return None
        automatic = comment.author_user_id is None
        if automatic and (comment.author_kind != "system" or ticket.channel != Channel.EMAIL):
            return None  # only people's replies, and kefu's own acknowledgements on email tickets
        if not email_reply_service.wants_mail(ticket, comment):
            return None  # other channels: only when the agent ticked "send by email"
        last = await mail_repository.last_threaded_inbound(session, ticket.id)
        to = last.from_addr if last is not None else None
        to = to or await customer_service.primary_email(session, ticket.customer_id)
        if not to:
            return None
        in_reply_to: str | None = None
        references: list[str] = []
        if last is not None and last.message_key.startswith("<"):
            in_reply_to = last.message_key
            try:
                references = list(parse(last.raw).references)
            except MailParseError:
                references = []
            references = [*references[-(MAX_REFERENCES - 1) :], in_reply_to]
        customer = await customer_service.get(session, None, ticket.customer_id)
        mail_from, from_name, signature = await self._sender(session, last)
        transcript = ""
        if ticket.channel != Channel.EMAIL:  # the conversation the customer had, below the reply
            lines = await email_reply_service.transcript(session, ticket)
            transcript = transcript_text(
                [(x.at, x.sender, x.name, x.text) for x in lines],
                ZoneInfo(current_settings().display_timezone),
                customer.locale,
            )
        try:
            return await mail_service.queue(
                session,
                to=to,
                subject=reply_subject(ticket.subject, ticket.id, customer.locale),
                text=reply_body(
                    comment.body,
                    ticket.id,
                    signature=signature,
                    locale=customer.locale,
                    transcript=transcript,
                ),
                kind=AUTO_REPLY_KIND if automatic else REPLY_KIND,
                ticket_id=ticket.id,
                in_reply_to=in_reply_to,
                references=" ".join(references) or None,
                mail_from=mail_from,
                from_name=from_name or None,
            )
        except KefuError:  # an address we cannot put in a header: nothing to send
            return None


mail_reply_service = MailReplyService()
