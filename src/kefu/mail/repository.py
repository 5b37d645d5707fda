"""Mail queries: outbox, inbound mail, address mappings, IMAP mailboxes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from kefu.models.mail import InboundMail, InboundStatus, MailAddress, Mailbox, OutboundMail
from kefu.models.ticket import Ticket

# What a thread can hang on: mail we received into a ticket, and replies we sent.
_THREADED = (InboundStatus.TICKET, InboundStatus.COMMENT)


class TicketRef(NamedTuple):
    """What threading needs of a ticket: a row, not an ORM object (the comment's own locked
    load of the ticket follows). `found` is False for a ticket that is gone."""

    id: int
    found: bool
    merged_into_id: int | None
    status: str | None
    customer_id: int | None


_TICKET_COLUMNS = (Ticket.id, Ticket.merged_into_id, Ticket.status, Ticket.customer_id)


def _ref(ticket_id: int, row: Sequence[Any] | None) -> TicketRef:
    if row is None or row[0] is None:
        return TicketRef(ticket_id, False, None, None, None)
    return TicketRef(ticket_id, True, row[1], row[2], row[3])


# The statements every inbound mail runs, built once (building a select cost about as much
# CPU as running it).
_INBOUND = sa.select(InboundMail).where(InboundMail.id == sa.bindparam("inbound_id"))
_INBOUND_RAW = _INBOUND.options(undefer(InboundMail.raw))
_BY_KEY = sa.select(InboundMail.id).where(InboundMail.message_key == sa.bindparam("key"))
_FROM_SINCE = sa.select(sa.func.count()).where(
    InboundMail.from_addr == sa.bindparam("from_addr"),
    InboundMail.received_at >= sa.bindparam("since"),
    InboundMail.id != sa.bindparam("exclude_id"),
)
_TICKET_REF = sa.select(*_TICKET_COLUMNS).where(Ticket.id == sa.bindparam("ticket_id"))
_ADDRESSES_IN = sa.select(MailAddress).where(MailAddress.address.in_(sa.bindparam("values", expanding=True)))


def _thread_statement(model: type[InboundMail] | type[OutboundMail]) -> sa.Select[Any, Any, Any, Any, Any]:
    ticket_id = model.ticket_id
    key = InboundMail.message_key if model is InboundMail else OutboundMail.message_id
    return (
        sa.select(ticket_id, *_TICKET_COLUMNS)
        .select_from(model)
        .outerjoin(Ticket, Ticket.id == ticket_id)
        .where(key.in_(sa.bindparam("ids", expanding=True)), ticket_id.is_not(None))
        .order_by(model.id.desc())
        .limit(1)
    )


_THREADS = (_thread_statement(InboundMail), _thread_statement(OutboundMail))


class MailRepository:
    # --- inbound ------------------------------------------------------------------------
    async def inbound(
        self, session: AsyncSession, inbound_id: int, *, raw: bool = False
    ) -> InboundMail | None:
        stmt = _INBOUND_RAW if raw else _INBOUND
        return (await session.execute(stmt, {"inbound_id": inbound_id})).scalar_one_or_none()

    async def inbound_id_by_key(self, session: AsyncSession, key: str) -> int | None:
        return (await session.execute(_BY_KEY, {"key": key})).scalar_one_or_none()

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

    async def ticket_for_message_ids(self, session: AsyncSession, ids: Sequence[str]) -> TicketRef | None:
        """The ticket of the most recent mail (ours or theirs) among these Message-IDs, and
        what threading checks of it, in the same statement."""
        if not ids:
            return None
        for stmt in _THREADS:
            found = (await session.execute(stmt, {"ids": list(ids)})).first()
            if found is not None and found[0] is not None:
                return _ref(found[0], found[1:])
        return None

    async def ticket_ref(self, session: AsyncSession, ticket_id: int) -> TicketRef:
        """A ticket a subject token or a merge points at (`found` False when there is none)."""
        row = (await session.execute(_TICKET_REF, {"ticket_id": ticket_id})).first()
        return _ref(ticket_id, row)

    async def count_from_since(
        self, session: AsyncSession, from_addr: str, since: datetime, exclude_id: int
    ) -> int:
        params = {"from_addr": from_addr, "since": since, "exclude_id": exclude_id}
        return int((await session.execute(_FROM_SINCE, params)).scalar_one())

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
        return (await session.execute(_ADDRESSES_IN, {"values": list(values)})).scalars().all()

    # --- mailboxes ----------------------------------------------------------------------
    async def mailboxes(self, session: AsyncSession, *, active_only: bool = False) -> Sequence[Mailbox]:
        stmt = sa.select(Mailbox).order_by(Mailbox.id)
        if active_only:
            stmt = stmt.where(Mailbox.active.is_(True))
        return (await session.execute(stmt)).scalars().all()

    async def mailbox(self, session: AsyncSession, mailbox_id: int) -> Mailbox | None:
        return await session.get(Mailbox, mailbox_id)


mail_repository = MailRepository()
