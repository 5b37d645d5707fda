"""Quality inspection payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from kefu.kit.schemas import Id, OutSchema, Schema

RuleKind = Literal[
    "greeting", "closing", "forbidden", "response_gap", "emotion", "resolution", "handoff_context"
]


class RuleCreate(Schema):
    kind: RuleKind
    name: str = Field(min_length=1, max_length=120)
    weight: int = Field(default=10, ge=0, le=100)
    config: dict[str, Any] = Field(default_factory=dict)
    active: bool = True


class RuleUpdate(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    weight: int | None = Field(default=None, ge=0, le=100)
    config: dict[str, Any] | None = None
    active: bool | None = None


class RuleOut(OutSchema):
    id: int
    kind: str
    name: str
    weight: int
    config: dict[str, Any]
    active: bool


class Criterion(Schema):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    label: str = Field(min_length=1, max_length=120)
    weight: int = Field(ge=1, le=100)


class ScorecardCreate(Schema):
    name: str = Field(min_length=1, max_length=120)
    criteria: list[Criterion] = Field(min_length=1, max_length=20)


class ScorecardOut(OutSchema):
    id: int
    name: str
    criteria: list[dict[str, Any]]
    active: bool


class InspectionOut(OutSchema):
    id: int
    conversation_id: int | None
    ticket_id: int | None
    agent_id: int | None
    group_id: int | None
    score: int
    findings: list[dict[str, Any]]
    negative_emotion: bool
    created_at: datetime


class ReviewIn(Schema):
    scorecard_id: Id | None = None  # None: the active scorecard
    scores: dict[str, int]
    comment: str = Field(default="", max_length=4000)


class DisputeIn(Schema):
    reason: str = Field(min_length=1, max_length=4000)


class ResolveIn(Schema):
    resolution: str = Field(min_length=1, max_length=4000)
    # Changed scores when the dispute is upheld (None: the review stands).
    scores: dict[str, int] | None = None


class ReviewOut(OutSchema):
    id: int
    inspection_id: int
    agent_id: int | None
    scorecard_id: int | None
    reviewer_id: int | None
    status: str
    sample_reason: str
    scores: dict[str, Any]
    total: int | None
    comment: str
    reviewed_at: datetime | None
    dispute_reason: str
    disputed_at: datetime | None
    resolution: str
    resolved_at: datetime | None
    created_at: datetime
    auto_score: int | None = None
    conversation_id: int | None = None
    ticket_id: int | None = None
    agent_name: str = ""
    reviewer_name: str = ""
