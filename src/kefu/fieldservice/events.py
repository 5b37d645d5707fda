"""Field-service events (webhooks, audit and the partner's own webhook read them)."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from kefu.kit.events import DomainEvent, register


class _OrderEvent(DomainEvent):
    aggregate: ClassVar[str] = "service_order"
    order_id: int
    ticket_id: int
    customer_id: int | None = None
    service_point_id: int | None = None

    def aggregate_id(self) -> int | None:
        return self.order_id


@register
class ServiceOrderCreated(_OrderEvent):
    name: ClassVar[str] = "service_order.created"
    kind: str
    status: str
    fee_cny: int


@register
class ServiceOrderDispatched(_OrderEvent):
    name: ClassVar[str] = "service_order.dispatched"


@register
class ServiceOrderTransitioned(_OrderEvent):
    name: ClassVar[str] = "service_order.transitioned"
    from_status: str
    to_status: str
    actor_kind: str


@register
class ServiceOrderRescheduled(_OrderEvent):
    name: ClassVar[str] = "service_order.rescheduled"
    appointment_at: datetime


@register
class ServiceOrderShipment(_OrderEvent):
    name: ClassVar[str] = "service_order.shipment"
    milestone: str
    tracking_no: str
    at: datetime


@register
class ServiceOrderRated(_OrderEvent):
    name: ClassVar[str] = "service_order.rated"
    rating: int


@register
class ServiceSlaBreached(_OrderEvent):
    name: ClassVar[str] = "service_order.sla_breached"
    metric: str
    due_at: datetime


@register
class DeviceRegistered(DomainEvent):
    name: ClassVar[str] = "device.registered"
    aggregate: ClassVar[str] = "device"
    device_id: int
    customer_id: int
    serial: str
    product_line: str

    def aggregate_id(self) -> int | None:
        return self.device_id


@register
class WarrantyExpiring(DomainEvent):
    """The warranty-expiry campaign reached this device (CRM and outbound tools subscribe)."""

    name: ClassVar[str] = "device.warranty_expiring"
    aggregate: ClassVar[str] = "device"
    device_id: int
    customer_id: int
    serial: str
    model: str
    warranty_until: date

    def aggregate_id(self) -> int | None:
        return self.device_id
