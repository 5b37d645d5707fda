"""SLA events: emitted once per ticket and metric by the periodic scan."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from kefu.kit.events import DomainEvent, register


class _SlaEvent(DomainEvent):
    aggregate: ClassVar[str] = "ticket"
    ticket_id: int
    metric: str
    due_at: datetime | None
    customer_id: int | None = None
    tier: str = "none"
    group_id: int | None = None
    priority: str = "normal"

    def aggregate_id(self) -> int | None:
        return self.ticket_id


@register
class SlaWarning(_SlaEvent):
    name: ClassVar[str] = "sla.warning"


@register
class SlaBreached(_SlaEvent):
    name: ClassVar[str] = "sla.breached"
