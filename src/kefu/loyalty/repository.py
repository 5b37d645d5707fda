"""Loyalty queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit.time import ensure_utc
from kefu.models import Conversation, Customer
from kefu.models.loyalty import (
    CompensationRule,
    Coupon,
    Order,
    OrderStatus,
    PointsEntry,
    Referral,
)
from kefu.models.settings import read_setting, write_setting
from kefu.models.ticket import Ticket, TicketStatus


class LoyaltyRepository:
    async def lock_customer(self, session: AsyncSession, customer_id: int) -> Customer | None:
        """Row lock (PostgreSQL) so concurrent earn/redeem see each other; SQLite already
        serialises writers with BEGIN IMMEDIATE."""
        stmt = sa.select(Customer).where(Customer.id == customer_id).with_for_update()
        return (await session.execute(stmt)).scalar_one_or_none()

    async def order_by_external(self, session: AsyncSession, external_id: str) -> Order | None:
        return (
            await session.execute(sa.select(Order).where(Order.external_id == external_id))
        ).scalar_one_or_none()

    async def order(self, session: AsyncSession, order_id: int) -> Order | None:
        return await session.get(Order, order_id)

    async def orders(self, session: AsyncSession, customer_id: int, limit: int) -> Sequence[Order]:
        stmt = (
            sa.select(Order)
            .where(Order.customer_id == customer_id)
            .order_by(Order.placed_at.desc())
            .limit(limit)
        )
        return (await session.execute(stmt)).scalars().all()

    async def window(
        self, session: AsyncSession, customer_id: int, since: datetime
    ) -> tuple[Decimal, int, bool]:
        """(spend, paid orders since `since`, whether the first paid order ever is among them)."""
        recent = Order.placed_at >= since
        stmt = sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((recent, Order.amount_cny), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((recent, 1), else_=0)), 0),
            sa.func.min(Order.placed_at),
        ).where(Order.customer_id == customer_id, Order.status == OrderStatus.PAID)
        spend, count, first = (await session.execute(stmt)).one()
        return Decimal(spend), int(count), first is not None and ensure_utc(first) >= since

    async def windows_all(
        self, session: AsyncSession, since: datetime
    ) -> list[tuple[int, Decimal, int, bool]]:
        """`window` for every customer with a paid order since `since`, in one query."""
        recent = Order.placed_at >= since
        count = sa.func.sum(sa.case((recent, 1), else_=0))
        stmt = (
            sa.select(
                Order.customer_id,
                sa.func.sum(sa.case((recent, Order.amount_cny), else_=0)),
                count,
                sa.func.min(Order.placed_at),
            )
            .where(Order.status == OrderStatus.PAID)
            .group_by(Order.customer_id)
            .having(count > 0)
        )
        return [
            (int(c), Decimal(s), int(n), ensure_utc(f) >= since)
            for c, s, n, f in (await session.execute(stmt)).all()
        ]

    async def has_orders(
        self, session: AsyncSession, customer_id: int, *, other_than: int | None = None
    ) -> bool:
        """Any order of the customer (refunded ones too), optionally besides one."""
        stmt = sa.select(Order.id).where(Order.customer_id == customer_id)
        if other_than is not None:
            stmt = stmt.where(Order.id != other_than)
        return (await session.execute(stmt.limit(1))).first() is not None

    async def order_years(self, session: AsyncSession) -> dict[int, set[int]]:
        """Customer → the (UTC) calendar years with a paid order."""
        year = sa.cast(sa.extract("year", Order.placed_at), sa.Integer)
        stmt = sa.select(Order.customer_id, year).where(Order.status == OrderStatus.PAID).distinct()
        out: dict[int, set[int]] = {}
        for cid, y in (await session.execute(stmt)).all():
            out.setdefault(int(cid), set()).add(int(y))
        return out

    async def referral_of(self, session: AsyncSession, referred_id: int) -> Referral | None:
        stmt = sa.select(Referral).where(Referral.referred_id == referred_id)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def referrals_of(self, session: AsyncSession, customer_id: int) -> Sequence[Referral]:
        """Referrals the customer made or was referred by, newest first."""
        stmt = (
            sa.select(Referral)
            .where(sa.or_(Referral.referrer_id == customer_id, Referral.referred_id == customer_id))
            .order_by(Referral.id.desc())
        )
        return (await session.execute(stmt)).scalars().all()

    async def tiers(self, session: AsyncSession) -> dict[int, str]:
        return dict((await session.execute(sa.select(Customer.id, Customer.tier))).all())  # type: ignore[arg-type]

    async def set_tiers(self, session: AsyncSession, changes: dict[int, str]) -> None:
        for tier in set(changes.values()):
            ids = [cid for cid, t in changes.items() if t == tier]
            for lo in range(0, len(ids), 5000):
                await session.execute(
                    sa.update(Customer).where(Customer.id.in_(ids[lo : lo + 5000])).values(tier=tier)
                )

    async def advised_counts(self, session: AsyncSession, user_ids: list[int]) -> dict[int, int]:
        stmt = (
            sa.select(Customer.advisor_id, sa.func.count())
            .where(Customer.advisor_id.in_(user_ids or [-1]))
            .group_by(Customer.advisor_id)
        )
        counts = {uid: 0 for uid in user_ids}
        counts.update({int(a): int(n) for a, n in (await session.execute(stmt)).all() if a is not None})
        return counts

    async def spend_since(
        self, session: AsyncSession, customer_ids: Sequence[int], since: datetime
    ) -> dict[int, Decimal]:
        """Paid spend (CNY) since `since` of each customer (0 without orders)."""
        out = {cid: Decimal(0) for cid in customer_ids}
        if not customer_ids:
            return out
        stmt = (
            sa.select(Order.customer_id, sa.func.sum(Order.amount_cny))
            .where(
                Order.customer_id.in_(list(customer_ids)),
                Order.status == OrderStatus.PAID,
                Order.placed_at >= since,
            )
            .group_by(Order.customer_id)
        )
        out.update({int(c): Decimal(s) for c, s in (await session.execute(stmt)).all()})
        return out

    async def advised(self, session: AsyncSession, advisor_id: int | None = None) -> Sequence[Customer]:
        """Customers with a dedicated advisor (one advisor's book when `advisor_id` is given)."""
        stmt = sa.select(Customer).where(Customer.advisor_id.is_not(None), Customer.erased_at.is_(None))
        if advisor_id is not None:
            stmt = stmt.where(Customer.advisor_id == advisor_id)
        return (await session.execute(stmt.order_by(Customer.id))).scalars().all()

    async def unadvised_big_spenders(
        self, session: AsyncSession, since: datetime, threshold: Decimal, limit: int = 200
    ) -> list[tuple[Customer, Decimal]]:
        """Eligible customers still without an advisor, biggest spend first."""
        spend = sa.func.sum(Order.amount_cny)
        stmt = (
            sa.select(Customer, spend)
            .join(Order, Order.customer_id == Customer.id)
            .where(
                Customer.advisor_id.is_(None),
                Customer.erased_at.is_(None),
                Order.status == OrderStatus.PAID,
                Order.placed_at >= since,
            )
            .group_by(Customer.id)
            .having(spend >= threshold)
            .order_by(spend.desc(), Customer.id)
            .limit(limit)
        )
        return [(c, Decimal(s)) for c, s in (await session.execute(stmt)).all()]

    async def contact_facts(
        self, session: AsyncSession, customer_ids: Sequence[int]
    ) -> dict[int, tuple[int, datetime | None]]:
        """Customer → (open tickets, last contact: the latest ticket or chat activity)."""
        ids = list(customer_ids) or [-1]
        open_stmt = (
            sa.select(Ticket.customer_id, sa.func.count())
            .where(
                Ticket.customer_id.in_(ids),
                Ticket.status.in_(
                    [TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.HOLD]
                ),
                Ticket.merged_into_id.is_(None),
            )
            .group_by(Ticket.customer_id)
        )
        opened = {int(c): int(n) for c, n in (await session.execute(open_stmt)).all() if c is not None}
        last: dict[int, datetime] = {}
        for model in (Ticket, Conversation):
            stmt = (
                sa.select(model.customer_id, sa.func.max(model.updated_at))
                .where(model.customer_id.in_(ids))
                .group_by(model.customer_id)
            )
            for cid, at in (await session.execute(stmt)).all():
                if cid is not None and at is not None and (cid not in last or ensure_utc(at) > last[cid]):
                    last[int(cid)] = ensure_utc(at)
        return {cid: (opened.get(cid, 0), last.get(cid)) for cid in customer_ids}

    async def expiring(self, session: AsyncSession, cutoff: datetime) -> list[tuple[int, int]]:
        """(customer, points to expire): points earned before `cutoff` not yet used up, with
        use counted oldest-first (every negative entry consumes the oldest points)."""
        old = sa.func.sum(
            sa.case(
                (sa.and_(PointsEntry.delta > 0, PointsEntry.created_at < cutoff), PointsEntry.delta), else_=0
            )
        )
        used = -sa.func.sum(sa.case((PointsEntry.delta < 0, PointsEntry.delta), else_=0))
        stmt = (
            sa.select(PointsEntry.customer_id, old - used)
            .group_by(PointsEntry.customer_id)
            .having(old - used > 0)
        )
        return [(int(c), int(n)) for c, n in (await session.execute(stmt)).all()]

    async def balance(self, session: AsyncSession, customer_id: int) -> int:
        stmt = sa.select(sa.func.coalesce(sa.func.sum(PointsEntry.delta), 0)).where(
            PointsEntry.customer_id == customer_id
        )
        return int((await session.execute(stmt)).scalar_one())

    async def ledger(self, session: AsyncSession, customer_id: int, limit: int) -> Sequence[PointsEntry]:
        stmt = (
            sa.select(PointsEntry)
            .where(PointsEntry.customer_id == customer_id)
            .order_by(PointsEntry.id.desc())
            .limit(limit)
        )
        return (await session.execute(stmt)).scalars().all()

    async def earned_for_order(self, session: AsyncSession, order_id: int) -> int:
        stmt = sa.select(sa.func.coalesce(sa.func.sum(PointsEntry.delta), 0)).where(
            PointsEntry.order_id == order_id
        )
        return int((await session.execute(stmt)).scalar_one())

    async def coupons(self, session: AsyncSession, customer_id: int) -> Sequence[Coupon]:
        stmt = sa.select(Coupon).where(Coupon.customer_id == customer_id).order_by(Coupon.id.desc())
        return (await session.execute(stmt)).scalars().all()

    async def coupon(self, session: AsyncSession, coupon_id: int) -> Coupon | None:
        return await session.get(Coupon, coupon_id)

    async def insert_coupon_once(
        self,
        session: AsyncSession,
        values: dict[str, object],
        unique_on: tuple[str, ...] = ("rule_id", "ticket_id"),
    ) -> int | None:
        """Insert unless the unique key exists; the new id, or None for a duplicate."""
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = (
            insert(Coupon)
            .values(**values)
            .on_conflict_do_nothing(index_elements=list(unique_on))
            .returning(Coupon.id)
        )
        return (await session.execute(stmt)).scalar_one_or_none()

    async def birthdays(self, session: AsyncSession) -> list[tuple[int, int, str]]:
        """(customer id, birthday month, tier) of customers who gave a birthday."""
        stmt = sa.select(Customer.id, Customer.birthday, Customer.tier).where(
            Customer.birthday.is_not(None), Customer.erased_at.is_(None)
        )
        return [(int(c), b.month, t) for c, b, t in (await session.execute(stmt)).all() if b is not None]

    async def first_orders(self, session: AsyncSession) -> list[tuple[int, datetime]]:
        stmt = (
            sa.select(Order.customer_id, sa.func.min(Order.placed_at))
            .where(Order.status == OrderStatus.PAID)
            .group_by(Order.customer_id)
        )
        return [(int(c), ensure_utc(p)) for c, p in (await session.execute(stmt)).all()]

    async def setting(self, session: AsyncSession, key: str) -> dict[str, Any] | None:
        return await read_setting(session, key)

    async def save_setting(self, session: AsyncSession, key: str, value: dict[str, Any]) -> None:
        await write_setting(session, key, value)

    async def all_rules(self, session: AsyncSession) -> Sequence[CompensationRule]:
        stmt = sa.select(CompensationRule).order_by(CompensationRule.active.desc(), CompensationRule.id)
        return (await session.execute(stmt)).scalars().all()

    async def rule(self, session: AsyncSession, rule_id: int) -> CompensationRule | None:
        return await session.get(CompensationRule, rule_id)

    async def rules(self, session: AsyncSession) -> Sequence[CompensationRule]:
        stmt = (
            sa.select(CompensationRule).where(CompensationRule.active.is_(True)).order_by(CompensationRule.id)
        )
        return (await session.execute(stmt)).scalars().all()


loyalty_repository = LoyaltyRepository()
