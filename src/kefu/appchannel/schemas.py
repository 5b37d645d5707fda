"""App channel payloads."""

from __future__ import annotations

from typing import Literal

from pydantic import EmailStr, Field

from kefu.kit.schemas import BoundedAwareDatetime, OutSchema, Schema


class IntegrationCreate(Schema):
    name: str = Field(min_length=1, max_length=120)
    # Replies (bot, agents) to this app's users are posted here, signed (optional: the app
    # may read them from the chat socket instead).
    webhook_url: str | None = Field(default=None, min_length=8, max_length=2000)


class IntegrationCreated(OutSchema):
    id: int
    key: str
    secret: str  # shown once; stays on the company's servers
    webhook_id: int | None
    webhook_secret: str | None


class AppMessageIn(Schema):
    user_id: str = Field(min_length=1, max_length=120)
    user_hash: str = Field(min_length=64, max_length=64)
    client_id: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=4000)
    name: str | None = Field(default=None, max_length=120)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)


class AppMessageOut(OutSchema):
    conversation_id: int
    customer_id: int
    seq: int
    duplicate: bool
    session_token: str  # opens /ws/chat for this user's conversation


class VisitCustomer(Schema):
    user_id: str | None = Field(default=None, min_length=1, max_length=120)
    name: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=40)
    email: EmailStr | None = None


class VisitIn(Schema):
    visit_id: str = Field(min_length=1, max_length=120)
    service_point: str = Field(min_length=1, max_length=120)
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20_000)
    category: str = Field(default="", max_length=120)
    visited_at: BoundedAwareDatetime | None = None
    customer: VisitCustomer


class VisitOut(OutSchema):
    status: Literal["created", "duplicate"]
    ticket_id: int | None
    customer_id: int | None
