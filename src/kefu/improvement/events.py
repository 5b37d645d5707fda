"""Improvement events: stored (audit, analytics) and delivered to webhook subscribers, which
is how an external R&D tracker hears about items (see docs/improvement.md)."""

from __future__ import annotations

from typing import ClassVar

from kefu.kit.events import DomainEvent, register


class _ItemEvent(DomainEvent):
    aggregate: ClassVar[str] = "improvement"
    item_id: int

    def aggregate_id(self) -> int | None:
        return self.item_id


@register
class ImprovementCreated(_ItemEvent):
    name: ClassVar[str] = "improvement.created"
    source: str
    title: str
    description: str
    status: str
    department: str
    due_date: str | None
    url: str


@register
class ImprovementChanged(_ItemEvent):
    name: ClassVar[str] = "improvement.changed"
    title: str
    status: str
    previous_status: str
    fields: list[str]
    department: str
    due_date: str | None
    url: str


@register
class ImprovementVerified(_ItemEvent):
    name: ClassVar[str] = "improvement.verified"
    title: str
