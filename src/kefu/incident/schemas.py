"""Incident requests and responses."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, field_validator

from kefu.incident.matching import normalize_keywords
from kefu.kit.schemas import OutSchema, Schema
from kefu.models.incident import Severity


class IncidentCreate(Schema):
    title: str = Field(min_length=1, max_length=200)
    severity: Severity
    keywords: list[str] = Field(default_factory=list, max_length=30)
    # The banner / bot text; a default wording is built from the title when absent.
    message: str | None = Field(default=None, max_length=1000)

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: list[str]) -> list[str]:
        if any(len(k) > 50 for k in value):
            raise ValueError("a keyword is at most 50 characters")
        return normalize_keywords(value)


class IncidentResolve(Schema):
    # What every linked customer reads; a default wording is built from the title when absent.
    message: str | None = Field(default=None, min_length=1, max_length=2000)


class IncidentNotify(Schema):
    body: str = Field(min_length=1, max_length=2000)


class IncidentCreated(OutSchema):
    id: int
    problem_ticket_id: int


class IncidentOut(OutSchema):
    id: int
    title: str
    severity: str
    status: str
    keywords: list[str]
    customer_message: str
    problem_ticket_id: int
    linked_ticket_ids: list[int] = Field(default_factory=list)
    created_at: datetime
    resolved_at: datetime | None


class NotifyResult(Schema):
    notified: int
