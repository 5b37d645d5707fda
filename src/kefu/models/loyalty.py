"""Orders, the append-only points ledger, coupons and service-compensation rules."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base
from kefu.kit.time import utcnow

MONEY = sa.Numeric(14, 2)


class OrderStatus(StrEnum):
    PAID = "paid"
    REFUNDED = "refunded"


class CouponStatus(StrEnum):
    ACTIVE = "active"
    USED = "used"
    EXPIRED = "expired"
    CANCELLED = "cancelled"  # a points redemption was cancelled: the voucher is void


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(sa.String(120), unique=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(sa.String(3))
    amount_cny: Mapped[Decimal] = mapped_column(MONEY)
    placed_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=OrderStatus.PAID)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.Index("ix_orders_customer_placed", "customer_id", "placed_at"),)


class PointsEntry(Base):
    """Append-only: a balance is the sum of a customer's entries, never a stored number."""

    __tablename__ = "points_ledger"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    delta: Mapped[int]
    reason: Mapped[str] = mapped_column(sa.String(20))  # earn | redeem | refund | adjust | expire
    order_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("orders.id", ondelete="SET NULL"), nullable=True
    )
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    approver_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Balance reads sum (customer_id, delta): an index-only scan on PostgreSQL.
    __table_args__ = (sa.Index("ix_points_ledger_customer_delta", "customer_id", "delta"),)


class CompensationRule(Base):
    __tablename__ = "compensation_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(sa.String(20))
    tier: Mapped[str | None] = mapped_column(sa.String(20), nullable=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    validity_days: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CouponTemplate(Base):
    """A reusable coupon: a fixed amount off or a percentage, valid for some days."""

    __tablename__ = "coupon_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    amount: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    percent: Mapped[int | None] = mapped_column(nullable=True)
    validity_days: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Coupon(Base):
    __tablename__ = "coupons"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    reason: Mapped[str] = mapped_column(sa.String(30))  # compensation | birthday | referral | manual ...
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(sa.String(3), default="CNY")
    percent: Mapped[int | None] = mapped_column(nullable=True)  # percentage coupons
    template_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=CouponStatus.ACTIVE)
    valid_until: Mapped[datetime]
    ticket_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    rule_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    redeemed_at: Mapped[datetime | None] = mapped_column(nullable=True)

    # Service compensation: one coupon per ticket and rule, however often a breach arrives.
    __table_args__ = (sa.UniqueConstraint("rule_id", "ticket_id"),)


class ReferralStatus(StrEnum):
    PENDING = "pending"  # registered; rewards wait for the referred customer's first order
    REWARDED = "rewarded"  # both coupons issued


class Referral(Base):
    """One customer referred another; a customer is referred at most once."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    referred_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=ReferralStatus.PENDING)
    order_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)  # the first order
    referrer_coupon_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    referred_coupon_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rewarded_at: Mapped[datetime | None] = mapped_column(nullable=True)


class RewardKind(StrEnum):
    VOUCHER = "voucher"  # a cash coupon of value_cny
    PRODUCT = "product"  # shipped: a fulfilment record
    SERVICE = "service"  # performed: a fulfilment record


class RedemptionStatus(StrEnum):
    ISSUED = "issued"  # voucher coupon created
    PENDING = "pending"  # product/service awaiting fulfilment
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


class Reward(Base):
    """The points catalogue. `stock` None means unlimited."""

    __tablename__ = "rewards"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(10))
    points: Mapped[int]
    value_cny: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    stock: Mapped[int | None] = mapped_column(nullable=True)
    validity_days: Mapped[int] = mapped_column(default=90)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # The stock decrement is a conditional UPDATE; the CHECK is the last line of defence.
    __table_args__ = (sa.CheckConstraint("stock IS NULL OR stock >= 0", name="stock_not_negative"),)


class Redemption(Base):
    """One redemption: the points it cost and what it produced (a coupon or a fulfilment)."""

    __tablename__ = "redemptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    reward_id: Mapped[int] = mapped_column(sa.ForeignKey("rewards.id", ondelete="RESTRICT"), index=True)
    points: Mapped[int]
    value_cny: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    status: Mapped[str] = mapped_column(sa.String(10))
    coupon_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    actor: Mapped[str] = mapped_column(sa.String(40), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(nullable=True)
