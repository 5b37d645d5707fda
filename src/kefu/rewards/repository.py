"""Rewards queries: the stock is moved by conditional UPDATEs so it never goes below 0."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit.time import utcnow
from kefu.models import Customer
from kefu.models.loyalty import Coupon, CouponStatus, CouponTemplate, Redemption, Reward


class RewardsRepository:
    async def lock_customer(self, session: AsyncSession, customer_id: int) -> Customer | None:
        """Row lock (PostgreSQL) serialising a customer's points spending; SQLite writers are
        already serialised by BEGIN IMMEDIATE."""
        stmt = sa.select(Customer).where(Customer.id == customer_id).with_for_update()
        return (await session.execute(stmt)).scalar_one_or_none()

    async def reward(self, session: AsyncSession, reward_id: int) -> Reward | None:
        return await session.get(Reward, reward_id)

    async def rewards(self, session: AsyncSession, *, active_only: bool) -> Sequence[Reward]:
        stmt = sa.select(Reward).order_by(Reward.points, Reward.id)
        if active_only:
            stmt = stmt.where(Reward.active.is_(True))
        return (await session.execute(stmt)).scalars().all()

    async def take_stock(self, session: AsyncSession, reward_id: int) -> bool:
        """Take one unit; False when none is left. Unlimited stock (NULL) always succeeds."""
        stmt = (
            sa.update(Reward)
            .where(Reward.id == reward_id, sa.or_(Reward.stock.is_(None), Reward.stock > 0))
            .values(stock=sa.case((Reward.stock.is_(None), None), else_=Reward.stock - 1))
            .execution_options(synchronize_session=False)
        )
        result = await session.execute(stmt)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def return_stock(self, session: AsyncSession, reward_id: int) -> None:
        await session.execute(
            sa.update(Reward)
            .where(Reward.id == reward_id, Reward.stock.is_not(None))
            .values(stock=Reward.stock + 1)
            .execution_options(synchronize_session=False)
        )

    async def void_coupon(self, session: AsyncSession, coupon_id: int) -> bool:
        """Cancel an unused voucher; False when it was already used or expired."""
        result = await session.execute(
            sa.update(Coupon)
            .where(
                Coupon.id == coupon_id,
                Coupon.status == CouponStatus.ACTIVE,
                Coupon.valid_until > utcnow(),
            )
            .values(status=CouponStatus.CANCELLED)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def redemption(self, session: AsyncSession, redemption_id: int) -> Redemption | None:
        return await session.get(Redemption, redemption_id)

    async def redemptions(self, session: AsyncSession, customer_id: int, limit: int) -> Sequence[Redemption]:
        stmt = (
            sa.select(Redemption)
            .where(Redemption.customer_id == customer_id)
            .order_by(Redemption.id.desc())
            .limit(limit)
        )
        return (await session.execute(stmt)).scalars().all()

    async def coupon(self, session: AsyncSession, coupon_id: int) -> Coupon | None:
        return await session.get(Coupon, coupon_id)

    async def template(self, session: AsyncSession, template_id: int) -> CouponTemplate | None:
        return await session.get(CouponTemplate, template_id)

    async def templates(self, session: AsyncSession) -> Sequence[CouponTemplate]:
        return (await session.execute(sa.select(CouponTemplate).order_by(CouponTemplate.id))).scalars().all()

    async def template_by_name(self, session: AsyncSession, name: str) -> CouponTemplate | None:
        stmt = sa.select(CouponTemplate).where(CouponTemplate.name == name)
        return (await session.execute(stmt)).scalar_one_or_none()


rewards_repository = RewardsRepository()
