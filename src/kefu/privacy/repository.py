"""Everything stored about one customer, across domains, for export and erasure.

This repository reads and rewrites other domains' tables on purpose: erasure must reach
every copy of a person's data in one transaction, including event payloads, webhook
deliveries and the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit.events import EventRecord
from kefu.models import (
    AuditEntry,
    ChatAttachment,
    Conversation,
    Coupon,
    Customer,
    Identity,
    Message,
    Order,
    OutboundMail,
    PointsEntry,
    Ticket,
    TicketAttachment,
    TicketComment,
    WebhookDelivery,
)
from kefu.models.settings import read_setting, write_setting

ERASED = "[已删除 / erased]"


class PrivacyRepository:
    async def setting(self, session: AsyncSession, key: str) -> dict[str, Any] | None:
        return await read_setting(session, key)

    async def save_setting(self, session: AsyncSession, key: str, value: dict[str, Any]) -> None:
        await write_setting(session, key, value)

    async def customer(self, session: AsyncSession, customer_id: int) -> Customer | None:
        stmt = sa.select(Customer).where(Customer.id == customer_id).with_for_update()
        return (await session.execute(stmt)).scalar_one_or_none()

    async def rows(self, session: AsyncSession, model: Any, *where: Any) -> Sequence[Any]:
        return (await session.execute(sa.select(model).where(*where))).scalars().all()

    async def everything(self, session: AsyncSession, customer_id: int) -> dict[str, Sequence[Any]]:
        tickets = await self.rows(session, Ticket, Ticket.customer_id == customer_id)
        ids = [t.id for t in tickets] or [-1]
        conversations = await self.rows(session, Conversation, Conversation.customer_id == customer_id)
        conv_ids = [c.id for c in conversations] or [-1]
        return {
            "conversations": conversations,
            "messages": await self.rows(
                session, Message, Message.conversation_id.in_(conv_ids), Message.internal.is_(False)
            ),
            "chat_attachments": await self.rows(
                session, ChatAttachment, ChatAttachment.conversation_id.in_(conv_ids)
            ),
            "identities": await self.rows(session, Identity, Identity.customer_id == customer_id),
            "tickets": tickets,
            "comments": await self.rows(session, TicketComment, TicketComment.ticket_id.in_(ids)),
            "attachments": await self.rows(session, TicketAttachment, TicketAttachment.ticket_id.in_(ids)),
            "orders": await self.rows(session, Order, Order.customer_id == customer_id),
            "points": await self.rows(session, PointsEntry, PointsEntry.customer_id == customer_id),
            "coupons": await self.rows(session, Coupon, Coupon.customer_id == customer_id),
            "audit": await self.rows(
                session,
                AuditEntry,
                AuditEntry.target_type == "customer",
                AuditEntry.target_id == str(customer_id),
            ),
        }

    async def expire_closed_tickets(self, session: AsyncSession, cutoff: Any, limit: int) -> list[str]:
        """Anonymise texts of tickets closed before `cutoff`; returns attachment keys to delete."""
        ids = list(
            (
                await session.execute(
                    sa.select(Ticket.id)
                    .where(Ticket.status == "closed", Ticket.closed_at < cutoff, Ticket.subject != ERASED)
                    .limit(limit)
                )
            ).scalars()
        )
        if not ids:
            return []
        await session.execute(
            sa.update(Ticket)
            .where(Ticket.id.in_(ids))
            .values(subject=ERASED, description=ERASED, custom_fields={})
        )
        await session.execute(
            sa.update(TicketComment).where(TicketComment.ticket_id.in_(ids)).values(body=ERASED, data=None)
        )
        keys = list(
            (
                await session.execute(
                    sa.select(TicketAttachment.storage_key).where(TicketAttachment.ticket_id.in_(ids))
                )
            ).scalars()
        )
        await session.execute(sa.delete(TicketAttachment).where(TicketAttachment.ticket_id.in_(ids)))
        for e in await self.rows(
            session, EventRecord, EventRecord.aggregate == "ticket", EventRecord.aggregate_id.in_(ids)
        ):
            e.payload = _scrub(e.payload)
        return keys

    async def _erase_conversations(self, session: AsyncSession, conv_ids: list[int]) -> list[str]:
        """Transcripts (agents' answers and notes quote the customer too), ratings' comments,
        files and event payloads of these conversations; returns chat file keys to delete."""
        if not conv_ids:
            return []
        await session.execute(
            sa.update(Message).where(Message.conversation_id.in_(conv_ids)).values(text=ERASED, extra={})
        )
        await session.execute(
            sa.update(Conversation)
            .where(Conversation.id.in_(conv_ids))
            .values(rating_comment="", assign_reason={})
        )
        keys = list(
            (
                await session.execute(
                    sa.select(ChatAttachment.storage_key).where(ChatAttachment.conversation_id.in_(conv_ids))
                )
            ).scalars()
        )
        await session.execute(sa.delete(ChatAttachment).where(ChatAttachment.conversation_id.in_(conv_ids)))
        events = await self.rows(
            session,
            EventRecord,
            EventRecord.aggregate == "conversation",
            EventRecord.aggregate_id.in_(conv_ids),
        )
        for e in events:
            e.payload = _scrub(e.payload)
        event_ids = [e.id for e in events] or [-1]
        for d in await self.rows(session, WebhookDelivery, WebhookDelivery.event_id.in_(event_ids)):
            d.payload = _scrub(d.payload)
        return keys

    async def erase_conversations_of(self, session: AsyncSession, customer_id: int) -> list[str]:
        ids = (
            await session.execute(sa.select(Conversation.id).where(Conversation.customer_id == customer_id))
        ).scalars()
        return await self._erase_conversations(session, list(ids))

    async def expire_closed_conversations(self, session: AsyncSession, cutoff: Any, limit: int) -> list[str]:
        ids = list(
            (
                await session.execute(
                    sa.select(Conversation.id)
                    .where(
                        Conversation.status == "closed",
                        Conversation.closed_at < cutoff,
                        sa.exists().where(Message.conversation_id == Conversation.id, Message.text != ERASED),
                    )
                    .limit(limit)
                )
            ).scalars()
        )
        return await self._erase_conversations(session, ids)

    async def erase(self, session: AsyncSession, customer: Customer, emails: list[str]) -> list[str]:
        """Anonymise in place; returns the storage keys of attachments to delete."""
        tickets = await self.rows(session, Ticket, Ticket.customer_id == customer.id)
        ids = [t.id for t in tickets] or [-1]
        await session.execute(sa.delete(Identity).where(Identity.customer_id == customer.id))
        await session.execute(
            sa.update(Ticket)
            .where(Ticket.id.in_(ids))
            .values(subject=ERASED, description=ERASED, custom_fields={})
        )
        # Agents' answers may quote the customer too: every comment on their tickets goes.
        await session.execute(
            sa.update(TicketComment).where(TicketComment.ticket_id.in_(ids)).values(body=ERASED, data=None)
        )
        keys = list(
            (
                await session.execute(
                    sa.select(TicketAttachment.storage_key).where(TicketAttachment.ticket_id.in_(ids))
                )
            ).scalars()
        )
        await session.execute(sa.delete(TicketAttachment).where(TicketAttachment.ticket_id.in_(ids)))
        events = await self.rows(
            session,
            EventRecord,
            sa.or_(
                sa.and_(EventRecord.aggregate == "ticket", EventRecord.aggregate_id.in_(ids)),
                sa.and_(EventRecord.aggregate == "customer", EventRecord.aggregate_id == customer.id),
            ),
        )
        event_ids = [e.id for e in events] or [-1]
        for e in events:
            e.payload = _scrub(e.payload)
        for d in await self.rows(session, WebhookDelivery, WebhookDelivery.event_id.in_(event_ids)):
            d.payload = _scrub(d.payload)
        if emails:
            await session.execute(
                sa.update(OutboundMail)
                .where(OutboundMail.to_addr.in_(emails))
                .values(to_addr="erased@invalid", subject=ERASED, body_text=ERASED)
            )
        return keys


TEXT_KEYS = {
    "subject",
    "description",
    "text",
    "body",
    "name",
    "email",
    "phone",
    "custom_fields",
    "customer_name",
    "extra",
}


def _scrub(value: Any) -> Any:
    """Free text in event payloads (subjects, texts) is replaced; ids and states stay."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k == "changes" and isinstance(v, dict):  # {field: [old, new]}
                out[k] = {f: [ERASED, ERASED] if f in TEXT_KEYS else ov for f, ov in v.items()}
            else:
                out[k] = ERASED if k in TEXT_KEYS else _scrub(v)
        return out
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


privacy_repository = PrivacyRepository()
