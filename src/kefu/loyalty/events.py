"""Loyalty events."""

from __future__ import annotations

from typing import ClassVar

from kefu.kit.events import DomainEvent, register


@register
class OrderRecorded(DomainEvent):
    name: ClassVar[str] = "order.recorded"
    aggregate: ClassVar[str] = "customer"
    customer_id: int
    order_id: int
    amount_cny: str
    points: int

    def aggregate_id(self) -> int | None:
        return self.customer_id


@register
class TierChanged(DomainEvent):
    name: ClassVar[str] = "customer.tier_changed"
    aggregate: ClassVar[str] = "customer"
    customer_id: int
    old: str
    new: str

    def aggregate_id(self) -> int | None:
        return self.customer_id


@register
class CouponIssued(DomainEvent):
    name: ClassVar[str] = "coupon.issued"
    aggregate: ClassVar[str] = "customer"
    customer_id: int
    coupon_id: int
    reason: str
    amount: str
    ticket_id: int | None = None

    def aggregate_id(self) -> int | None:
        return self.customer_id


@register
class AdvisorChanged(DomainEvent):
    """A customer's dedicated advisor (专属顾问) was assigned, replaced or removed."""

    name: ClassVar[str] = "customer.advisor_changed"
    aggregate: ClassVar[str] = "customer"
    customer_id: int
    old_advisor_id: int | None = None
    advisor_id: int | None = None
    reason: str = ""
    automatic: bool = False  # removed because the 12-month spend fell below the threshold

    def aggregate_id(self) -> int | None:
        return self.customer_id
