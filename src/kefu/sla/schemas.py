"""SLA payloads and the facts the ticket domain hands to the SLA engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from kefu.kit.schemas import Id, OutSchema, Schema
from kefu.models.sla import Metric


@dataclass(frozen=True)
class TicketSlaFacts:
    ticket_id: int
    customer_id: int | None
    priority: str
    type: str
    channel: str
    status: str
    tier: str
    group_id: int | None
    tags: tuple[str, ...]
    category: str
    created_at: datetime


class SlaClock(OutSchema):
    metric: str
    due_at: datetime | None
    status: str  # active | paused | fulfilled | breached
    target_minutes: int
    business_hours: bool
    fulfilled_at: datetime | None = None
    breached_at: datetime | None = None
    achieved_minutes: float | None = None
    policy_name: str = ""


class Interval(Schema):
    weekday: int = Field(ge=0, le=6)
    start: str = Field(pattern=r"^\d{2}:\d{2}$")
    end: str = Field(pattern=r"^\d{2}:\d{2}$")


class ScheduleIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    timezone: str = Field(default="Asia/Shanghai", max_length=64)
    intervals: list[Interval] = Field(default_factory=list, max_length=100)
    holidays: list[str] = Field(default_factory=list, max_length=2000)
    workdays: list[str] = Field(default_factory=list, max_length=2000)
    cn_statutory: bool = False
    is_default: bool = False


class ScheduleOut(OutSchema):
    id: int
    name: str
    timezone: str
    intervals: list[dict[str, Any]]
    holidays: list[str]
    workdays: list[str]
    cn_statutory: bool
    is_default: bool


class PolicyFilter(Schema):
    priority: str | list[str] | None = None
    type: str | list[str] | None = None
    channel: str | list[str] | None = None
    tier: str | list[str] | None = None
    group_id: Id | list[int] | None = None
    tags: str | list[str] | None = None
    category: str | list[str] | None = None


class PolicyTargets(Schema):
    acknowledge: int | None = Field(default=None, gt=0, le=525_600)
    first_reply: int | None = Field(default=None, gt=0, le=525_600)
    next_reply: int | None = Field(default=None, gt=0, le=525_600)
    resolution: int | None = Field(default=None, gt=0, le=525_600)


class PolicyIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    position: int = Field(default=0, ge=0, le=100_000)
    schedule_id: Id | None = None
    filter: PolicyFilter = Field(default_factory=PolicyFilter)
    targets: PolicyTargets
    business_hours: bool | None = None
    pause_on: list[str] = Field(default_factory=lambda: ["pending", "hold"])
    warn_at: float = Field(default=0.75, gt=0, lt=1)
    active: bool = True

    @field_validator("pause_on")
    @classmethod
    def _statuses(cls, value: list[str]) -> list[str]:
        bad = set(value) - {"pending", "hold"}
        if bad:
            raise ValueError(f"pause_on may contain only pending and hold, not {sorted(bad)}")
        return value


class PolicyOut(OutSchema):
    id: int
    name: str
    position: int
    schedule_id: int | None
    filter: dict[str, Any]
    targets: dict[str, int]
    business_hours: bool
    pause_on: list[str]
    warn_at: float
    active: bool


METRICS = [m.value for m in Metric]
