"""Routing payloads: presence, capacity, queue rules, the live view."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from kefu.kit.schemas import Id, Schema
from kefu.models.conversation import Presence


class PresenceIn(Schema):
    status: Presence
    # "idle": sent by the workspace itself, not the person — away after the idle time
    # (only from online) and back online at the next input (only from an idle away).
    reason: Literal["", "idle"] = ""
    online_on_login: bool | None = None  # also set the "online on sign-in" preference


class AgentOut(Schema):
    user_id: Id
    name: str
    status: str  # effective: "online" only with a live socket (fresh heartbeat)
    chosen_status: str = "offline"  # what the person chose
    away_reason: str = ""  # "idle" (no input for the idle time) | "absent" (no live page) | ""
    idle_minutes: int = 0  # the workspace goes away after this much time without input (0 = never)
    last_seen_at: datetime | None = None
    online_on_login: bool = False
    chat_capacity: int
    ticket_capacity: int
    chat_load: int
    ticket_load: int
    skills: list[str]
    group_ids: list[Id] = Field(default_factory=list)


class AgentSettingsIn(Schema):
    chat_capacity: int | None = Field(default=None, ge=0, le=50)
    ticket_capacity: int | None = Field(default=None, ge=0, le=500)
    skills: list[str] | None = Field(default=None, max_length=30)


class RuleIn(Schema):
    overflow_group_id: Id | None = None
    overflow_after_seconds: int = Field(default=0, ge=0, le=86_400)
    sticky_wait_seconds: int = Field(default=60, ge=0, le=86_400)
    required_skills: list[str] = Field(default_factory=list, max_length=30)
    schedule_id: Id | None = None  # the group's agent hours; None = the default schedule


class RuleOut(RuleIn):
    group_id: int


class QueueOut(Schema):
    group_id: Id | None
    group_name: str
    waiting: int
    longest_wait_seconds: int


class AtRiskOut(Schema):
    conversation_id: Id
    customer_name: str
    group_name: str
    assignee_name: str | None
    status: str
    waiting_seconds: int


class LiveOut(Schema):
    queues: list[QueueOut]
    agents: list[AgentOut]
    at_risk: list[AtRiskOut]


class QueueStatus(Schema):
    position: int
    eta_seconds: int
    staffed: bool
