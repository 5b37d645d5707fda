"""Improvement items: what people send (create, edit, move, suggest, callbacks) and what the
API answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from kefu.kit.schemas import BoundedDate, Id, OutSchema, Schema

Status = Literal["open", "in_progress", "fixed", "verified", "rejected", "closed"]
Source = Literal["painpoint", "qa", "sla", "csat", "suggestion"]


class ItemFields(Schema):
    """What a supervisor fills in (the form and the API)."""

    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=8000)
    department_id: Id | None = None
    owner_id: Id | None = None
    action_plan: str = Field(default="", max_length=8000)
    due_date: BoundedDate | None = None
    external_url: str = Field(default="", max_length=500, pattern=r"^(https?://\S+)?$")
    topic: str = Field(default="", max_length=200)
    verify_ratio: int = Field(default=50, ge=1, le=100)
    verify_weeks: int = Field(default=2, ge=1, le=12)
    survey_threshold: float = Field(default=4.0, ge=1, le=5)


class ItemIn(ItemFields):
    source: Source = "suggestion"
    source_ref: str = Field(default="", max_length=200)
    ticket_ids: list[Id] = Field(default_factory=list, max_length=200)


class ItemPatch(Schema):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=8000)
    department_id: Id | None = None
    owner_id: Id | None = None
    action_plan: str | None = Field(default=None, max_length=8000)
    due_date: BoundedDate | None = None
    external_url: str | None = Field(default=None, max_length=500, pattern=r"^(https?://\S+)?$")
    external_id: str | None = Field(default=None, max_length=120)
    topic: str | None = Field(default=None, max_length=200)
    verify_ratio: int | None = Field(default=None, ge=1, le=100)
    verify_weeks: int | None = Field(default=None, ge=1, le=12)
    survey_threshold: float | None = Field(default=None, ge=1, le=5)


class SuggestionIn(Schema):
    """Any staff member's improvement suggestion (员工改进建议)."""

    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=8000)


class MoveIn(Schema):
    to: Status
    note: str = Field(default="", max_length=2000)


class FromPainPoint(Schema):
    topic: str = Field(min_length=3, max_length=200)
    title: str = Field(default="", max_length=200)
    start: BoundedDate | None = None  # the report's period, for the affected tickets
    end: BoundedDate | None = None


class FromQaReview(Schema):
    review_id: Id
    due_date: BoundedDate | None = None
    action_plan: str = Field(default="", max_length=8000)


class FromSlaPattern(Schema):
    key: str = Field(min_length=3, max_length=200)  # "first_reply|category:售后"
    start: BoundedDate
    end: BoundedDate
    due_date: BoundedDate | None = None


class FromSurvey(Schema):
    survey_id: Id
    department_id: Id | None = None  # the responsible party or supplier
    due_date: BoundedDate | None = None


class CallbackIn(Schema):
    """What an R&D tracker posts back: the item and what happened to it."""

    item_id: Id
    status: Literal["in_progress", "fixed"] = "fixed"
    external_id: str = Field(default="", max_length=120)
    external_url: str = Field(default="", max_length=500, pattern=r"^(https?://\S+)?$")
    note: str = Field(default="", max_length=2000)


class DepartmentIn(Schema):
    name: str = Field(min_length=1, max_length=80)
    kind: Literal["department", "supplier"] = "department"
    active: bool = True


class IntegrationIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    url: str = Field(min_length=8, max_length=2000)
    secret: str = Field(default="", max_length=200)  # empty: generate one
    active: bool = True


class DepartmentOut(OutSchema):
    id: int
    name: str
    kind: str
    active: bool


class IntegrationOut(OutSchema):
    id: int
    name: str
    url: str
    subscription_id: int | None
    active: bool


class IntegrationCreated(IntegrationOut):
    secret: str  # shown once


class LogOut(OutSchema):
    id: int
    kind: str
    from_status: str
    to_status: str
    note: str
    actor_id: int | None
    actor_label: str
    created_at: datetime
    actor_name: str = ""


class ItemOut(OutSchema):
    id: int
    source: str
    source_ref: str
    title: str
    description: str
    department_id: int | None
    owner_id: int | None
    action_plan: str
    due_date: date | None
    status: str
    external_url: str
    external_id: str
    topic: str
    ticket_ids: list[int]
    verify_ratio: int
    verify_weeks: int
    survey_threshold: float
    baseline_weekly: float | None
    baseline_complaint_rate: float | None
    fixed_at: datetime | None
    verified_at: datetime | None
    check_note: str
    created_by: int | None
    created_at: datetime
    updated_at: datetime
    overdue: bool = False
    department_name: str = ""
    owner_name: str = ""
    next_statuses: list[str] = Field(default_factory=list)


class ItemDetail(ItemOut):
    timeline: list[LogOut] = Field(default_factory=list)
    surveys_sent: int = 0
    survey_average: float | None = None
    survey_answers: int = 0


class SolveRate(Schema):
    """痛点解决率 over a period: verified ÷ due (items due in the period)."""

    start: date
    end: date  # exclusive
    due: int
    verified: int
    rate: float | None
    goal: float = 0.95
    met: bool | None = None


class CheckResult(Schema):
    item_id: int
    volume: str
    survey: str
    verified: bool


class SlaPatternOut(Schema):
    key: str
    metric: str
    dimension: str
    value: str
    count: int
    ticket_ids: list[int]
