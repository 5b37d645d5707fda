"""Mail queries: outbox, inbound mail, address mappings, IMAP mailboxes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from kefu.models.mail import InboundMail, InboundStatus, MailAddress, Mailbox, OutboundMail

# What a thread can hang on: mail we received into a ticket, and replies we sent.
_THREADED = (InboundStatus.TICKET, InboundStatus.COMMENT)


class MailRepository:
    # --- inbound ------------------------------------------------------------------------
    async def inbound(
        self, session: AsyncSession, inbound_id: int, *, raw: bool = False
    ) -> InboundMail | None:
        stmt = sa.select(InboundMail).where(InboundMail.id == inbound_id)
        if raw:
            stmt = stmt.options(undefer(InboundMail.raw))
        return (await session.execute(stmt)).scalar_one_or_none()

    async def inbound_id_by_key(self, session: AsyncSession, key: str) -> int | None:
        stmt = sa.select(InboundMail.id).where(InboundMail.message_key == key)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def inbound_id_by_uid(self, session: AsyncSession, mailbox_id: int, uid: str) -> int | None:
        stmt = sa.select(InboundMail.id).where(
            InboundMail.mailbox_id == mailbox_id, InboundMail.imap_uid == uid
        )
        return (await session.execute(stmt)).scalar_one_or_none()

    async def list_inbound(
        self, session: AsyncSession, statuses: Sequence[str], limit: int
    ) -> Sequence[InboundMail]:
        stmt = sa.select(InboundMail).order_by(InboundMail.id.desc()).limit(limit)
        if statuses:
            stmt = stmt.where(InboundMail.status.in_(statuses))
        return (await session.execute(stmt)).scalars().all()

    async def inbound_for_comment(self, session: AsyncSession, comment_id: int) -> InboundMail | None:
        stmt = (
            sa.select(InboundMail)
            .options(undefer(InboundMail.raw))
            .where(InboundMail.comment_id == comment_id)
            .limit(1)
        )
        return (await session.execute(stmt)).scalar_one_or_none()

    async def last_threaded_inbound(self, session: AsyncSession, ticket_id: int) -> InboundMail | None:
        stmt = (
            sa.select(InboundMail)
            .options(undefer(InboundMail.raw))
            .where(InboundMail.ticket_id == ticket_id, InboundMail.status.in_(_THREADED))
            .order_by(InboundMail.id.desc())
            .limit(1)
        )
        return (await session.execute(stmt)).scalar_one_or_none()

    async def ticket_for_message_ids(self, session: AsyncSession, ids: Sequence[str]) -> int | None:
        """The ticket of the most recent mail (ours or theirs) among these Message-IDs."""
        if not ids:
            return None
        inbound = (
            await session.execute(
                sa.select(InboundMail.ticket_id)
                .where(InboundMail.message_key.in_(ids), InboundMail.ticket_id.is_not(None))
                .order_by(InboundMail.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        if inbound is not None:
            return inbound
        return (
            await session.execute(
                sa.select(OutboundMail.ticket_id)
                .where(OutboundMail.message_id.in_(ids), OutboundMail.ticket_id.is_not(None))
                .order_by(OutboundMail.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()

    async def count_from_since(
        self, session: AsyncSession, from_addr: str, since: datetime, exclude_id: int
    ) -> int:
        stmt = sa.select(sa.func.count()).where(
            InboundMail.from_addr == from_addr,
            InboundMail.received_at >= since,
            InboundMail.id != exclude_id,
        )
        return int((await session.execute(stmt)).scalar_one())

    async def count_by_status(self, session: AsyncSession) -> dict[str, int]:
        rows = await session.execute(
            sa.select(InboundMail.status, sa.func.count()).group_by(InboundMail.status)
        )
        return {status: int(n) for status, n in rows.all()}

    # --- addresses ----------------------------------------------------------------------
    async def addresses(self, session: AsyncSession) -> Sequence[MailAddress]:
        return (await session.execute(sa.select(MailAddress).order_by(MailAddress.address))).scalars().all()

    async def address(self, session: AsyncSession, address_id: int) -> MailAddress | None:
        return await session.get(MailAddress, address_id)

    async def address_by_value(self, session: AsyncSession, address: str) -> MailAddress | None:
        stmt = sa.select(MailAddress).where(MailAddress.address == address)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def addresses_in(self, session: AsyncSession, values: Sequence[str]) -> Sequence[MailAddress]:
        if not values:
            return []
        stmt = sa.select(MailAddress).where(MailAddress.address.in_(values))
        return (await session.execute(stmt)).scalars().all()

    # --- mailboxes ----------------------------------------------------------------------
    async def mailboxes(self, session: AsyncSession, *, active_only: bool = False) -> Sequence[Mailbox]:
        stmt = sa.select(Mailbox).order_by(Mailbox.id)
        if active_only:
            stmt = stmt.where(Mailbox.active.is_(True))
        return (await session.execute(stmt)).scalars().all()

    async def mailbox(self, session: AsyncSession, mailbox_id: int) -> Mailbox | None:
        return await session.get(Mailbox, mailbox_id)


mail_repository = MailRepository()
