"""Survey payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from kefu.kit.schemas import BoundedDatetime, Id, OutSchema, Schema


class Question(Schema):
    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    text: str = Field(min_length=1, max_length=300)
    type: Literal["text", "choice", "rating"] = "text"
    options: list[str] = Field(default_factory=list, max_length=20)
    required: bool = False


class SurveyAnswer(Schema):
    # Range per kind is checked by the service (CSAT 1–5, NPS 0–10) → 422 with a clear code.
    score: int
    comment: str = Field(default="", max_length=2000)
    answers: dict[str, Any] = Field(default_factory=dict)


class SurveyOut(OutSchema):
    id: int
    kind: str
    channel: str
    customer_id: int | None
    ticket_id: int | None
    conversation_id: int | None
    campaign_id: int | None
    agent_id: int | None
    group_id: int | None
    sent_at: datetime
    expires_at: datetime
    answered_at: datetime | None
    score: int | None
    score_100: int | None
    comment: str
    answers: dict[str, Any]


class PublicSurvey(OutSchema):
    """What the customer's answer page needs (no token, no internal ids)."""

    kind: str
    expires_at: datetime
    answered: bool
    questions: list[dict[str, Any]]


class CampaignCreate(Schema):
    name: str = Field(min_length=1, max_length=120)
    tiers: list[str] = Field(default_factory=list, max_length=10)
    last_contact_days: int | None = Field(default=None, ge=1, le=3650)
    interval_days: int = Field(default=90, ge=1, le=3650)
    first_run_at: BoundedDatetime | None = None  # None: now
    questions: list[Question] = Field(default_factory=list, max_length=20)
    expires_days: int = Field(default=14, ge=1, le=365)


class CampaignUpdate(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    tiers: list[str] | None = Field(default=None, max_length=10)
    last_contact_days: int | None = Field(default=None, ge=1, le=3650)
    interval_days: int | None = Field(default=None, ge=1, le=3650)
    questions: list[Question] | None = Field(default=None, max_length=20)
    active: bool | None = None


class CampaignOut(OutSchema):
    id: int
    name: str
    kind: str
    tiers: list[str]
    last_contact_days: int | None
    interval_days: int
    next_run_at: datetime
    last_run_at: datetime | None
    runs: int
    questions: list[dict[str, Any]]
    expires_days: int
    active: bool


class RunResult(Schema):
    campaign_id: Id
    run: int
    sent: int
    skipped: int


class ResponseRate(Schema):
    kind: str | None
    sent: int
    answered: int
    rate: float | None  # answered / sent, 0..1
    csat_percent: float | None = None  # share of 4–5 stars
    csat_100: float | None = None  # mean of the 0–100 mapping
    nps: float | None = None


class FollowUpOut(OutSchema):
    id: int
    survey_id: int
    ticket_id: int | None
    conversation_id: int | None
    group_id: int | None
    assignee_id: int | None
    status: str
    outcome: str
    created_at: datetime
    closed_at: datetime | None
    kind: str = ""
    score: int | None = None
    comment: str = ""
    customer_id: int | None = None
    customer_name: str = ""
    agent_name: str = ""
    assignee_name: str = ""


class FollowUpClose(Schema):
    outcome: str = Field(min_length=1, max_length=4000)


class LowScores(Schema):
    """A score at or below these opens a follow-up and samples the chat for quality review:
    CSAT 1–5 (default 2: 非常不满意 and 不满意), NPS 0–10 (default 6: the detractors). None:
    the server's KEFU_SURVEY_CSAT_LOW / KEFU_SURVEY_NPS_LOW (the service fills them in)."""

    csat_low: int | None = Field(default=None, ge=1, le=4)
    nps_low: int | None = Field(default=None, ge=0, le=9)
