"""Outreach events: inbound business events that drive journeys, and unsubscribes."""

from __future__ import annotations

from typing import ClassVar

from kefu.kit.events import DomainEvent, register


@register
class ShipmentDelayed(DomainEvent):
    """A delivery will miss its promised date (ERP or courier webhook)."""

    name: ClassVar[str] = "outreach.shipment_delayed"
    aggregate: ClassVar[str] = "customer"
    customer_id: int
    order_ref: str
    promised_at: str

    def aggregate_id(self) -> int | None:
        return self.customer_id


@register
class CustomerUnsubscribed(DomainEvent):
    name: ClassVar[str] = "outreach.unsubscribed"
    aggregate: ClassVar[str] = "customer"
    customer_id: int
    source: str
    channel: str = ""  # "" = every channel

    def aggregate_id(self) -> int | None:
        return self.customer_id


@register
class ShipmentMilestone(DomainEvent):
    """A parcel reached a milestone (揽收 picked_up / 中转 in_transit / 派送 out_for_delivery)."""

    name: ClassVar[str] = "outreach.shipment_milestone"
    aggregate: ClassVar[str] = "customer"
    customer_id: int
    order_ref: str
    milestone: str

    def aggregate_id(self) -> int | None:
        return self.customer_id


@register
class ProductPurchased(DomainEvent):
    """A purchase of a product line (ERP): the first of a line starts its onboarding guide."""

    name: ClassVar[str] = "outreach.product_purchased"
    aggregate: ClassVar[str] = "customer"
    customer_id: int
    order_ref: str
    product_line: str

    def aggregate_id(self) -> int | None:
        return self.customer_id


@register
class MessageEngaged(DomainEvent):
    """A customer first opened a message or first clicked one of its links (analytics)."""

    name: ClassVar[str] = "outreach.message_engaged"
    aggregate: ClassVar[str] = "customer"
    customer_id: int
    send_id: int
    journey_id: int | None
    kind: str  # opened | clicked

    def aggregate_id(self) -> int | None:
        return self.customer_id
