"""Quality events: an automatic inspection, a supervisor's review, an agent's dispute."""

from __future__ import annotations

from typing import ClassVar

from kefu.kit.events import DomainEvent, register


@register
class Inspected(DomainEvent):
    name: ClassVar[str] = "quality.inspected"
    aggregate: ClassVar[str] = "qa_inspection"
    inspection_id: int
    conversation_id: int | None = None
    ticket_id: int | None = None
    agent_id: int | None = None
    group_id: int | None = None
    score: int
    negative_emotion: bool = False

    def aggregate_id(self) -> int | None:
        return self.inspection_id


class _ReviewEvent(DomainEvent):
    aggregate: ClassVar[str] = "qa_review"
    review_id: int
    agent_id: int | None = None

    def aggregate_id(self) -> int | None:
        return self.review_id


@register
class ReviewSampled(_ReviewEvent):
    name: ClassVar[str] = "quality.sampled"
    reason: str


@register
class Reviewed(_ReviewEvent):
    name: ClassVar[str] = "quality.reviewed"
    total: int
    reviewer_id: int


@register
class Disputed(_ReviewEvent):
    name: ClassVar[str] = "quality.disputed"
    reason: str


@register
class DisputeResolved(_ReviewEvent):
    name: ClassVar[str] = "quality.dispute_resolved"
    total: int | None = None
    resolved_by: int
