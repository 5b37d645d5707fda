"""Incident events (audit trail, webhooks, a post-mortem timeline later)."""

from __future__ import annotations

from typing import ClassVar

from kefu.kit.events import DomainEvent, register


class _IncidentEvent(DomainEvent):
    aggregate: ClassVar[str] = "incident"
    incident_id: int

    def aggregate_id(self) -> int | None:
        return self.incident_id


@register
class IncidentDeclared(_IncidentEvent):
    name: ClassVar[str] = "incident.declared"
    severity: str
    title: str
    problem_ticket_id: int


@register
class IncidentResolved(_IncidentEvent):
    name: ClassVar[str] = "incident.resolved"
    solved_ticket_ids: list[int]
