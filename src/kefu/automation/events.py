"""Automation events."""

from __future__ import annotations

from typing import ClassVar

from kefu.kit.events import DomainEvent, register


@register
class SupervisorsNotified(DomainEvent):
    name: ClassVar[str] = "automation.supervisors_notified"
    aggregate: ClassVar[str] = "ticket"
    ticket_id: int
    trigger_id: int
    trigger_name: str
    group_id: int | None = None
    subject: str = ""

    def aggregate_id(self) -> int | None:
        return self.ticket_id


@register
class TriggerFailed(DomainEvent):
    name: ClassVar[str] = "automation.trigger_failed"
    aggregate: ClassVar[str] = "ticket"
    ticket_id: int
    trigger_id: int
    reason: str

    def aggregate_id(self) -> int | None:
        return self.ticket_id
