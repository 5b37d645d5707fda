"""Customer domain events."""

from __future__ import annotations

from typing import ClassVar

from kefu.kit.events import DomainEvent, register


@register
class CustomerCreated(DomainEvent):
    name: ClassVar[str] = "customer.created"
    aggregate: ClassVar[str] = "customer"
    customer_id: int

    def aggregate_id(self) -> int | None:
        return self.customer_id
