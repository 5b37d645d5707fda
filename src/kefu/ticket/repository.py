"""Ticket queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit.events import EventRecord
from kefu.models.customer import Customer
from kefu.models.settings import SettingValue
from kefu.models.ticket import (
    CustomFieldDef,
    Ticket,
    TicketAttachment,
    TicketCategory,
    TicketComment,
    TicketFollower,
    TicketLink,
    TicketNotice,
    TicketStatus,
)
from kefu.routing import ticket_order
from kefu.ticket.schemas import TicketFilter

_PRIORITY = sa.case({"urgent": 0, "high": 1, "normal": 2, "low": 3}, value=Ticket.priority)
SORTS = {
    "queue": _PRIORITY,
    "created_at": Ticket.created_at.asc(),
    "-created_at": Ticket.created_at.desc(),
    "updated_at": Ticket.updated_at.asc(),
    "-updated_at": Ticket.updated_at.desc(),
    "priority": _PRIORITY,
    "id": Ticket.id.asc(),
    "-id": Ticket.id.desc(),
}


# A ticket's trigger facts with its customer's tier, in one statement built once (an ORM load
# of the ticket and of its customer with identities was three, for every ticket event).
_FACTS = (
    sa.select(
        Ticket.status,
        Ticket.priority,
        Ticket.type,
        Ticket.channel,
        Ticket.group_id,
        Ticket.category,
        Ticket.tags,
        Ticket.subject,
        Customer.tier,
    )
    .select_from(Ticket)
    .outerjoin(Customer, Customer.id == Ticket.customer_id)
    .where(Ticket.id == sa.bindparam("ticket_id"))
)
# A ticket's subject, owner and followers in one statement built once (every customer reply
# asks whom to tell; an ORM load of the whole ticket and a followers read were two).
_NOTICE_TARGETS = (
    sa.select(Ticket.subject, Ticket.owner_id, TicketFollower.user_id)
    .select_from(Ticket)
    .outerjoin(TicketFollower, TicketFollower.ticket_id == Ticket.id)
    .where(Ticket.id == sa.bindparam("ticket_id"))
)
FACT_KEYS = ("status", "priority", "type", "channel", "group_id", "category", "tags", "subject", "tier")


class TicketRepository:
    async def facts(self, session: AsyncSession, ticket_id: int) -> dict[str, Any] | None:
        """What triggers test of a ticket (FACT_KEYS), None when there is no such ticket."""
        row = (await session.execute(_FACTS, {"ticket_id": ticket_id})).first()
        if row is None:
            return None
        facts: dict[str, Any] = dict(zip(FACT_KEYS, row, strict=True))
        facts["tags"] = list(facts["tags"] or [])
        facts["tier"] = facts["tier"] or "none"
        return facts

    async def get(self, session: AsyncSession, ticket_id: int, *, lock: bool = False) -> Ticket | None:
        stmt = sa.select(Ticket).where(Ticket.id == ticket_id)
        if lock:
            stmt = stmt.with_for_update()
        return (await session.execute(stmt)).scalar_one_or_none()

    async def list_tickets(self, session: AsyncSession, f: TicketFilter) -> Sequence[Ticket]:
        stmt = sa.select(Ticket)
        if f.customer_id is not None:
            stmt = stmt.where(Ticket.customer_id == f.customer_id)
        if f.ids is not None:
            stmt = stmt.where(Ticket.id.in_(f.ids or [-1]))
        if f.status:
            stmt = stmt.where(Ticket.status.in_(f.status))
        if f.channel:
            stmt = stmt.where(Ticket.channel == f.channel)
        if f.group_id is not None:
            stmt = stmt.where(Ticket.group_id == f.group_id)
        if f.assignee_id is not None:
            stmt = stmt.where(Ticket.assignee_id == f.assignee_id)
        if f.owner_id is not None:
            stmt = stmt.where(Ticket.owner_id == f.owner_id)
        if f.unassigned:
            stmt = stmt.where(Ticket.assignee_id.is_(None))
        if f.priority:
            stmt = stmt.where(Ticket.priority == f.priority)
        if f.q:
            escaped = f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            like = f"%{escaped}%"
            stmt = stmt.where(
                sa.or_(Ticket.subject.like(like, escape="\\"), Ticket.description.like(like, escape="\\"))
            )
        if f.inbox_user is not None:
            mine = sa.and_(
                Ticket.assignee_id == f.inbox_user,
                Ticket.status.in_(["new", "open", "pending", "hold"]),
            )
            waiting = sa.and_(
                Ticket.assignee_id.is_(None),
                Ticket.group_id.in_(list(f.inbox_groups) or [-1]),
                Ticket.status.in_(["new", "open"]),
                Ticket.merged_into_id.is_(None),
            )
            stmt = stmt.where(sa.or_(mine, waiting))
        if f.visible_groups is not None:
            stmt = stmt.where(
                sa.or_(
                    Ticket.group_id.in_(f.visible_groups),
                    Ticket.assignee_id == f.visible_user,
                    Ticket.owner_id == f.visible_user,  # the owner follows it into any group
                )
            )
        order: list[sa.ColumnElement[Any]] = [SORTS.get(f.sort, SORTS["-updated_at"]), Ticket.id.desc()]
        if f.sort in ("queue", "priority"):
            # The one queue order routing assigns by too: priority, loyalty tier, longest waiting.
            tier = sa.select(Customer.tier).where(Customer.id == Ticket.customer_id).scalar_subquery()
            order = ticket_order.sql_order(
                Ticket.priority,
                tier,
                Ticket.created_at,
                Ticket.id,
                f.priority_tiers,
                oldest_first=f.sort == "queue",
            )
        stmt = stmt.order_by(*order)
        rows = (
            (await session.execute(stmt.limit(f.limit * 4 if f.tag else f.limit).offset(f.offset)))
            .scalars()
            .all()
        )
        if f.tag:  # JSON containment differs per backend; tags lists are short
            rows = [t for t in rows if f.tag in (t.tags or [])][: f.limit]
        return rows

    async def comments(
        self, session: AsyncSession, ticket_id: int, *, public_only: bool
    ) -> Sequence[TicketComment]:
        stmt = sa.select(TicketComment).where(TicketComment.ticket_id == ticket_id).order_by(TicketComment.id)
        if public_only:
            stmt = stmt.where(TicketComment.public.is_(True))
        return (await session.execute(stmt)).scalars().all()

    async def recorded_seq(self, session: AsyncSession, ticket_id: int, conversation_id: int) -> int:
        """The last message of a conversation already on the ticket's timeline (0: none)."""
        stmt = sa.select(sa.func.max(TicketComment.seq)).where(
            TicketComment.ticket_id == ticket_id, TicketComment.conversation_id == conversation_id
        )
        return int((await session.execute(stmt)).scalar_one_or_none() or 0)

    async def customer_spoke_last(
        self, session: AsyncSession, ticket_id: int, conversation_id: int, before_seq: int
    ) -> bool:
        """Whether the conversation's last line on the timeline before `before_seq` is the
        customer's (agents' internal notes do not count: the customer never saw them)."""
        stmt = (
            sa.select(TicketComment.author_customer_id)
            .where(
                TicketComment.ticket_id == ticket_id,
                TicketComment.conversation_id == conversation_id,
                TicketComment.seq < before_seq,
                sa.not_(sa.and_(TicketComment.author_user_id.is_not(None), TicketComment.public.is_(False))),
            )
            .order_by(TicketComment.seq.desc(), TicketComment.id.desc())
            .limit(1)
        )
        return (await session.execute(stmt)).scalar_one_or_none() is not None

    async def attachments(self, session: AsyncSession, ticket_id: int) -> Sequence[TicketAttachment]:
        stmt = (
            sa.select(TicketAttachment)
            .where(TicketAttachment.ticket_id == ticket_id)
            .order_by(TicketAttachment.id)
        )
        return (await session.execute(stmt)).scalars().all()

    async def attachment(self, session: AsyncSession, attachment_id: int) -> TicketAttachment | None:
        return await session.get(TicketAttachment, attachment_id)

    async def children(self, session: AsyncSession, ticket_id: int) -> Sequence[Ticket]:
        stmt = sa.select(Ticket).where(Ticket.parent_id == ticket_id).order_by(Ticket.id)
        return (await session.execute(stmt)).scalars().all()

    async def links(self, session: AsyncSession, ticket_id: int) -> list[int]:
        a = sa.select(TicketLink.other_id).where(TicketLink.ticket_id == ticket_id)
        b = sa.select(TicketLink.ticket_id).where(TicketLink.other_id == ticket_id)
        return sorted(set((await session.execute(a)).scalars()) | set((await session.execute(b)).scalars()))

    async def add_link(self, session: AsyncSession, a: int, b: int) -> None:
        lo, hi = min(a, b), max(a, b)
        if (await session.get(TicketLink, (lo, hi))) is None:
            session.add(TicketLink(ticket_id=lo, other_id=hi))

    async def notice_targets(
        self, session: AsyncSession, ticket_id: int
    ) -> tuple[str, int | None, list[int]] | None:
        """(subject, owner, followers sorted) of a ticket; None when there is no such ticket."""
        rows = (await session.execute(_NOTICE_TARGETS, {"ticket_id": ticket_id})).all()
        if not rows:
            return None
        return rows[0][0], rows[0][1], sorted(r[2] for r in rows if r[2] is not None)

    async def followers(self, session: AsyncSession, ticket_id: int) -> list[int]:
        stmt = sa.select(TicketFollower.user_id).where(TicketFollower.ticket_id == ticket_id)
        return sorted((await session.execute(stmt)).scalars())

    async def add_follower(self, session: AsyncSession, ticket_id: int, user_id: int) -> None:
        if (await session.get(TicketFollower, (ticket_id, user_id))) is None:
            session.add(TicketFollower(ticket_id=ticket_id, user_id=user_id))

    async def history(self, session: AsyncSession, ticket_id: int) -> Sequence[EventRecord]:
        stmt = (
            sa.select(EventRecord)
            .where(EventRecord.aggregate == "ticket", EventRecord.aggregate_id == ticket_id)
            .order_by(EventRecord.id)
        )
        return (await session.execute(stmt)).scalars().all()

    async def field_defs(self, session: AsyncSession) -> Sequence[CustomFieldDef]:
        stmt = sa.select(CustomFieldDef).where(CustomFieldDef.active.is_(True)).order_by(CustomFieldDef.id)
        return (await session.execute(stmt)).scalars().all()

    async def field_def_by_key(self, session: AsyncSession, key: str) -> CustomFieldDef | None:
        return (
            await session.execute(sa.select(CustomFieldDef).where(CustomFieldDef.key == key))
        ).scalar_one_or_none()

    async def categories(self, session: AsyncSession) -> list[str]:
        return list(
            (await session.execute(sa.select(TicketCategory.path).order_by(TicketCategory.path))).scalars()
        )

    async def solved_before(self, session: AsyncSession, cutoff: datetime, limit: int) -> Sequence[Ticket]:
        stmt = (
            sa.select(Ticket)
            .where(Ticket.status == TicketStatus.SOLVED, Ticket.solved_at < cutoff)
            .order_by(Ticket.solved_at)
            .limit(limit)
        )
        return (await session.execute(stmt)).scalars().all()

    async def latest_for_customer(
        self,
        session: AsyncSession,
        customer_id: int,
        *,
        statuses: Sequence[str],
        since: datetime | None = None,
    ) -> Ticket | None:
        stmt = sa.select(Ticket).where(
            Ticket.customer_id == customer_id,
            Ticket.status.in_(list(statuses)),
            Ticket.merged_into_id.is_(None),
        )
        if since is not None:
            stmt = stmt.where(Ticket.updated_at >= since)
        stmt = stmt.order_by(Ticket.updated_at.desc()).limit(1)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def customer_tiers(self, session: AsyncSession, customer_ids: Sequence[int]) -> dict[int, str]:
        if not customer_ids:
            return {}
        stmt = sa.select(Customer.id, Customer.tier).where(Customer.id.in_(sorted(set(customer_ids))))
        return {cid: tier for cid, tier in (await session.execute(stmt)).all()}

    # --- notices and settings (首问负责制, timed escalation) -----------------------------
    async def notices(
        self, session: AsyncSession, user_id: int, *, unread_only: bool, limit: int
    ) -> Sequence[TicketNotice]:
        stmt = sa.select(TicketNotice).where(TicketNotice.user_id == user_id)
        if unread_only:
            stmt = stmt.where(TicketNotice.read_at.is_(None))
        stmt = stmt.order_by(TicketNotice.id.desc()).limit(limit)
        return (await session.execute(stmt)).scalars().all()

    async def unread_notices(self, session: AsyncSession, user_id: int) -> int:
        stmt = sa.select(sa.func.count(TicketNotice.id)).where(
            TicketNotice.user_id == user_id, TicketNotice.read_at.is_(None)
        )
        return int((await session.execute(stmt)).scalar_one())

    async def mark_notices_read(
        self, session: AsyncSession, user_id: int, ids: Sequence[int] | None, now: datetime
    ) -> int:
        stmt = sa.update(TicketNotice).where(TicketNotice.user_id == user_id, TicketNotice.read_at.is_(None))
        if ids is not None:
            stmt = stmt.where(TicketNotice.id.in_(list(ids) or [-1]))
        result = await session.execute(stmt.values(read_at=now))
        return int(getattr(result, "rowcount", 0) or 0)

    async def setting(self, session: AsyncSession, key: str) -> dict[str, object] | None:
        row = await session.get(SettingValue, key)
        return dict(row.value) if row is not None else None

    async def save_setting(
        self, session: AsyncSession, key: str, value: dict[str, object], now: datetime
    ) -> None:
        row = await session.get(SettingValue, key)
        if row is None:
            session.add(SettingValue(key=key, value=value, updated_at=now))
        else:
            row.value, row.updated_at = value, now


ticket_repository = TicketRepository()
