"""Webhook payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from kefu.kit.schemas import OutSchema, Schema


class SubscriptionCreate(Schema):
    name: str = Field(min_length=1, max_length=120)
    url: str = Field(min_length=8, max_length=2000)
    events: list[str] = Field(min_length=1, max_length=100)
    secret: str | None = Field(default=None, min_length=16, max_length=200)
    active: bool = True


class SubscriptionUpdate(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    url: str | None = Field(default=None, min_length=8, max_length=2000)
    events: list[str] | None = Field(default=None, min_length=1, max_length=100)
    active: bool | None = None


class SubscriptionOut(OutSchema):
    id: int
    name: str
    url: str
    events: list[str]
    active: bool
    created_at: datetime
    scope: str | None = None  # a channel's own subscription ("app:3")


class SubscriptionCreated(SubscriptionOut):
    secret: str  # shown once, at creation


class DeliveryOut(OutSchema):
    id: int
    subscription_id: int
    event_id: int | None
    event_name: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime
    payload: dict[str, Any]
