"""Conversation payloads (REST and widget)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import EmailStr, Field, model_validator

from kefu.kit.schemas import BoundedDatetime, Id, OutSchema, Schema

MAX_TEXT = 4000  # characters in one chat message


class WidgetSessionIn(Schema):
    name: str | None = Field(default=None, max_length=120)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    external_id: str | None = Field(default=None, min_length=1, max_length=120)
    locale: str | None = Field(default=None, max_length=10)


class WidgetSessionOut(Schema):
    session_token: str
    conversation_id: Id


class WidgetStatus(Schema):
    open: bool  # inside the default group's agent hours
    opens_at: datetime | None = None  # when those hours next start, while closed
    bot: bool = True  # the bot answers now (7×24 unless an admin turned it off)
    agents_online: int
    greeting: str
    # A major incident's customer-facing text while a P1/P2 is open; absent otherwise.
    banner: str | None = None


class ChatSettings(Schema):
    """Admin switches for the widget (stored in the database)."""

    bot_enabled: bool = True
    # Outside agent hours: "bot" keeps the bot answering (a hand-off request shows the
    # leave-a-message form); "form" shows only the leave-a-message form.
    after_hours: Literal["bot", "form"] = "bot"
    # An online agent whose workspace sees no keyboard or mouse input for this long goes
    # away (back at the next input); 0 = never.
    agent_idle_minutes: int = Field(default=15, ge=0, le=480)
    # A chat nobody wrote in for this long closes: with the bot only, and with a person.
    # None: the server's KEFU_CHAT_BOT_IDLE_MINUTES / KEFU_CHAT_IDLE_MINUTES (the service
    # fills them in when it reads the settings).
    bot_idle_minutes: int | None = Field(default=None, ge=5, le=1440)
    human_idle_minutes: int | None = Field(default=None, ge=5, le=10080)


class OfflineMessageIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    text: str = Field(min_length=1, max_length=10_000)

    @model_validator(mode="after")
    def _reachable(self) -> OfflineMessageIn:
        if not self.email and not self.phone:
            raise ValueError("email or phone is required so we can answer")
        return self


class RatingIn(Schema):
    score: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=2000)


class MessageIn(Schema):
    client_id: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    internal: bool = False


class TransferIn(Schema):
    to_user_id: Id | None = None
    to_group_id: Id | None = None
    note: str = Field(default="", max_length=2000)

    @model_validator(mode="after")
    def _one_target(self) -> TransferIn:
        if (self.to_user_id is None) == (self.to_group_id is None):
            raise ValueError("give exactly one of to_user_id or to_group_id")
        return self


class CloseIn(Schema):
    solve_ticket: bool = False


class SeqOut(Schema):
    seq: int


class MessageOut(OutSchema):
    seq: int
    sender: str
    text: str
    internal: bool
    user_id: int | None
    author_name: str | None = None
    created_at: datetime
    attachment: dict[str, Any] | None = None
    buttons: list[str] | None = None
    articles: list[dict[str, Any]] | None = None  # bot suggestions: {id, title, url}
    facts: dict[str, Any] | None = None  # what the bot collected before a hand-off (internal notes)
    emotion: str | None = None  # customer messages: negative / neutral / positive
    anger: float | None = None


class CustomerRef(Schema):
    id: int
    name: str


class LastMessage(Schema):
    sender: str
    text: str
    created_at: BoundedDatetime


class ConversationOut(Schema):
    id: int
    status: str
    channel: str
    customer: CustomerRef | None
    group_id: Id | None
    group_name: str | None
    assignee_id: Id | None
    assignee_name: str | None
    ticket_id: Id | None
    last_seq: int
    unread: int
    last_message: LastMessage | None
    priority: int
    queued_at: BoundedDatetime | None
    assigned_at: BoundedDatetime | None
    closed_at: BoundedDatetime | None
    created_at: BoundedDatetime
    rating: int | None
    customer_read_seq: int = 0
    agent_read_seq: int = 0


class ConversationDetail(ConversationOut):
    customer_id: int | None
    assign_reason: dict[str, Any]
    messages: list[MessageOut]
