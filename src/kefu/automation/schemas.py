"""Macro payloads."""

from __future__ import annotations

from pydantic import Field

from kefu.kit.schemas import Id, OutSchema, Schema
from kefu.models.ticket import TicketPriority, TicketStatus


class MacroActions(Schema):
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    add_tags: list[str] = Field(default_factory=list, max_length=20)
    group_id: Id | None = None
    assign_to_me: bool = False


class MacroIn(Schema):
    title: str = Field(min_length=1, max_length=120)
    body: str = Field(default="", max_length=20_000)
    public: bool = True
    actions: MacroActions = Field(default_factory=MacroActions)
    group_id: Id | None = None
    active: bool = True


class MacroOut(OutSchema):
    id: int
    title: str
    body: str
    public: bool
    actions: dict[str, object]
    group_id: int | None
    active: bool
    usage_count: int


class MacroPreview(OutSchema):
    body: str


class TriggerIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    position: int = Field(default=0, ge=0, le=100_000)
    on: str = Field(
        pattern="^(created|updated|sla_warning|sla_breached|hours_since_created|hours_since_updated)$"
    )
    hours: float | None = Field(default=None, gt=0, le=24 * 365)
    conditions: list[dict[str, object]] = Field(default_factory=list, max_length=30)
    actions: list[dict[str, object]] = Field(min_length=1, max_length=20)
    active: bool = True


class TriggerOut(OutSchema):
    id: int
    name: str
    position: int
    on: str
    hours: float | None
    conditions: list[dict[str, object]]
    actions: list[dict[str, object]]
    active: bool
