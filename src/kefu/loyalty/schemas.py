"""Loyalty payloads."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import Field

from kefu.kit.schemas import BoundedAwareDatetime, Id, OutSchema, Schema


class OrderCreate(Schema):
    external_id: str = Field(min_length=1, max_length=120)
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    currency: str = Field(default="CNY", min_length=3, max_length=3)
    placed_at: BoundedAwareDatetime


class OrderOut(OutSchema):
    id: int
    customer_id: int
    external_id: str
    amount: Decimal
    currency: str
    amount_cny: Decimal
    placed_at: datetime
    status: str


class PointsEntryOut(OutSchema):
    id: int
    delta: int
    reason: str
    order_id: int | None
    note: str
    created_at: datetime


class PointsOut(OutSchema):
    balance: int
    items: list[PointsEntryOut]


class Redeem(Schema):
    points: int = Field(gt=0, le=10_000_000)


class Adjust(Schema):
    delta: int = Field(ge=-10_000_000, le=10_000_000)
    reason: str = Field(min_length=1, max_length=300)


class RedeemOut(OutSchema):
    balance: int
    value_cny: Decimal


class CouponOut(OutSchema):
    id: int
    code: str
    reason: str
    amount: Decimal
    currency: str
    percent: int | None = None
    status: str
    valid_until: datetime
    ticket_id: int | None
    created_at: datetime


class RuleCreate(Schema):
    # Ticket SLA metrics, and field-service clocks (a missed 24 h appointment confirmation,
    # a late repair) which compensate on the service order's ticket.
    metric: str = Field(
        pattern="^(acknowledge|first_reply|next_reply|resolution|appointment_confirm|completion)$"
    )
    tier: str | None = Field(default=None, pattern="^(high|mid|potential|none)$")
    amount: Decimal = Field(gt=0, max_digits=10, decimal_places=2)
    validity_days: int = Field(gt=0, le=3650)


class RuleOut(OutSchema):
    id: int
    metric: str
    tier: str | None
    amount: Decimal
    validity_days: int
    active: bool


class ReferralCreate(Schema):
    referred_customer_id: Id


class ReferralOut(OutSchema):
    """A registered referral; the coupon ids stay null until the referred customer's first
    order is recorded (`status` pending → rewarded)."""

    id: int
    referrer_customer_id: int = Field(validation_alias="referrer_id")
    referred_customer_id: int = Field(validation_alias="referred_id")
    status: str
    order_id: int | None
    referrer_coupon_id: int | None
    referred_coupon_id: int | None
    created_at: datetime
    rewarded_at: datetime | None


class AdvisorAssign(Schema):
    user_id: Id
    reason: str = Field(default="", max_length=500)


class AdvisorRef(OutSchema):
    user_id: int
    name: str


class AdvisorOut(OutSchema):
    """A customer's dedicated advisor (专属顾问) and whether the customer qualifies."""

    customer_id: int
    advisor: AdvisorRef | None = None
    eligible: bool
    spend_12m: Decimal  # CNY, paid orders of the last 12 months
    threshold: Decimal


class BookEntry(OutSchema):
    """One customer in an advisor's book (我的客户)."""

    customer_id: int
    name: str
    tier: str
    advisor_id: int | None = None
    spend_12m: Decimal
    open_tickets: int = 0
    last_contact_at: datetime | None = None
