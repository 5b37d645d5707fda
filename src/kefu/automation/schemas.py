"""Macro payloads."""

from __future__ import annotations

from pydantic import Field

from kefu.kit.schemas import OutSchema, Schema
from kefu.models.ticket import TicketPriority, TicketStatus


class MacroActions(Schema):
    status: TicketStatus | None = None
    priority: TicketPriority | None = None
    add_tags: list[str] = Field(default_factory=list, max_length=20)
    group_id: int | None = None
    assign_to_me: bool = False


class MacroIn(Schema):
    title: str = Field(min_length=1, max_length=120)
    body: str = Field(default="", max_length=20_000)
    public: bool = True
    actions: MacroActions = Field(default_factory=MacroActions)
    group_id: int | None = None
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
