"""Phone payloads: integrations (admin), call events from the telephony, calls for reports."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from kefu.kit.schemas import BoundedAwareDatetime, Id, OutSchema, Schema

EventType = Literal["ringing", "answered", "ended", "recording", "transcript"]


class IntegrationCreate(Schema):
    name: str = Field(min_length=1, max_length=120)
    group_id: Id | None = None
    extensions: dict[str, int] = Field(default_factory=dict, max_length=2000)  # PBX extension -> user id
    # The signing secret; generated when absent (the API answers it once). The admin page
    # asks for it instead, as a page cannot show a generated secret safely.
    secret: str | None = Field(default=None, min_length=16, max_length=128)


class IntegrationUpdate(Schema):
    name: str = Field(min_length=1, max_length=120)
    group_id: Id | None = None
    extensions: dict[str, int] = Field(default_factory=dict, max_length=2000)
    secret: str | None = Field(default=None, min_length=16, max_length=128)  # None: keep
    active: bool = True


class IntegrationCreated(OutSchema):
    id: int
    secret: str  # shown once
    events_path: str


class CallEventIn(Schema):
    event_id: str = Field(min_length=1, max_length=120)
    type: EventType
    call_id: str = Field(min_length=1, max_length=120)
    at: BoundedAwareDatetime | None = None  # the telephony's clock; now when absent
    direction: Literal["inbound", "outbound"] = "inbound"
    caller: str = Field(default="", max_length=40)
    callee: str = Field(default="", max_length=40)
    agent_id: Id | None = None
    agent_extension: str | None = Field(default=None, max_length=20)
    agent_email: str | None = Field(default=None, max_length=254)
    recording_url: str | None = Field(default=None, max_length=1000, pattern=r"^https?://")
    transcript: str | None = Field(default=None, max_length=100_000)


class EventAccepted(OutSchema):
    status: Literal["accepted", "duplicate"]
    call_id: int
    conversation_id: int | None


class CallOut(OutSchema):
    id: int
    external_id: str
    direction: str
    status: str
    customer_id: int | None
    conversation_id: int | None
    agent_id: int | None
    ringing_at: datetime | None
    answered_at: datetime | None
    ended_at: datetime | None
    speed_of_answer_seconds: float | None
    answered_within_30s: bool | None
    recording_url: str
    callback_ticket_id: int | None


class CallSummary(OutSchema):
    offered: int
    answered: int
    missed: int
    answered_within_30s: int
    service_level_30s: float | None  # answered within 30 s / offered
    asa_seconds: float | None  # average speed of answer of answered calls
