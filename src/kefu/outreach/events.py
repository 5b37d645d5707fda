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

    def aggregate_id(self) -> int | None:
        return self.customer_id
