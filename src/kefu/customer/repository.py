"""Customer and identity queries."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from kefu.models import (
    ApiToken,
    AppUser,
    Call,
    Conversation,
    Coupon,
    Customer,
    Identity,
    Order,
    PointsEntry,
    ServiceVisit,
    Ticket,
    TicketComment,
    WebSession,
    WechatUser,
)

# Built once: every ticket create with a requester and every inbound mail asks (building
# the select cost about as much CPU as running it).
_BY_IDENTITY = (
    sa.select(Customer)
    .join(Identity, Identity.customer_id == Customer.id)
    .where(Identity.kind == sa.bindparam("kind"), Identity.value == sa.bindparam("value"))
)


class CustomerRepository:
    async def get(self, session: AsyncSession, customer_id: int) -> Customer | None:
        stmt = (
            sa.select(Customer).where(Customer.id == customer_id).options(selectinload(Customer.identities))
        )
        return (await session.execute(stmt)).scalar_one_or_none()

    async def get_plain(self, session: AsyncSession, customer_id: int) -> Customer | None:
        """Without its identities (one statement)."""
        return await session.get(Customer, customer_id)

    async def by_identity(self, session: AsyncSession, kind: str, value: str) -> Customer | None:
        """The customer an identity belongs to, without its identities (one statement)."""
        return (await session.execute(_BY_IDENTITY, {"kind": kind, "value": value})).scalar_one_or_none()

    async def identity(self, session: AsyncSession, kind: str, value: str) -> Identity | None:
        stmt = sa.select(Identity).where(Identity.kind == kind, Identity.value == value)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def find(
        self,
        session: AsyncSession,
        filters: list[tuple[str, str]],
        *,
        limit: int = 50,
        offset: int = 0,
    ) -> Sequence[Customer]:
        stmt = sa.select(Customer).options(selectinload(Customer.identities)).order_by(Customer.id)
        for kind, value in filters:
            stmt = stmt.where(
                Customer.id.in_(
                    sa.select(Identity.customer_id).where(Identity.kind == kind, Identity.value == value)
                )
            )
        return (await session.execute(stmt.limit(limit).offset(offset))).scalars().all()

    async def recent(
        self, session: AsyncSession, *, name: str | None, limit: int, offset: int
    ) -> Sequence[Customer]:
        """Newest customers first; `name` matches part of the name or an
        identity value (email, phone, customer number)."""
        stmt = (
            sa.select(Customer).options(selectinload(Customer.identities)).where(Customer.erased_at.is_(None))
        )
        if name:
            like = f"%{name}%"
            stmt = stmt.where(
                sa.or_(
                    Customer.name.ilike(like),
                    Customer.id.in_(sa.select(Identity.customer_id).where(Identity.value.ilike(like))),
                )
            )
        stmt = stmt.order_by(Customer.id.desc()).limit(limit).offset(offset)
        return (await session.execute(stmt)).scalars().all()

    async def reassign(self, session: AsyncSession, source_id: int, target_id: int) -> dict[str, int]:
        """Move everything that belongs to `source` to `target` (merge of duplicates); counts."""
        moved: dict[str, int] = {}
        for name, model, column in (
            ("identities", Identity, Identity.customer_id),
            ("tickets", Ticket, Ticket.customer_id),
            ("comments", TicketComment, TicketComment.author_customer_id),
            ("orders", Order, Order.customer_id),
            ("points", PointsEntry, PointsEntry.customer_id),
            ("coupons", Coupon, Coupon.customer_id),
            ("tokens", ApiToken, ApiToken.customer_id),
            ("sessions", WebSession, WebSession.customer_id),
            # Every channel's history follows: chats, WeChat, calls, app users, visits.
            ("conversations", Conversation, Conversation.customer_id),
            ("wechat_users", WechatUser, WechatUser.customer_id),
            ("app_users", AppUser, AppUser.customer_id),
            ("calls", Call, Call.customer_id),
            ("visits", ServiceVisit, ServiceVisit.customer_id),
        ):
            result = await session.execute(
                sa.update(model).where(column == source_id).values({column.key: target_id})
            )
            moved[name] = int(getattr(result, "rowcount", 0) or 0)
        return moved

    async def delete(self, session: AsyncSession, customer_id: int) -> None:
        await session.execute(sa.delete(Customer).where(Customer.id == customer_id))


customer_repository = CustomerRepository()
