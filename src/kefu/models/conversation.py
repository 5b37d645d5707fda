"""Conversations (one channel session each), their ordered messages, chat attachments, and
the agents' presence and capacity that routing reads."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base, TimestampMixin
from kefu.kit.time import utcnow


class ConversationStatus(StrEnum):
    BOT = "bot"  # served by the bot slot
    QUEUED = "queued"  # waiting in a group's queue for a human
    ASSIGNED = "assigned"  # an agent has it
    CLOSED = "closed"


class Sender(StrEnum):
    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


class Presence(StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


class Conversation(TimestampMixin, Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL"), nullable=True
    )
    channel: Mapped[str] = mapped_column(sa.String(16), default="chat")
    status: Mapped[str] = mapped_column(sa.String(10), default=ConversationStatus.BOT)
    locale: Mapped[str] = mapped_column(sa.String(10), default="zh_CN")
    # The customer's tier when the conversation started (refreshed at hand-off): the bot and
    # routing read it without loading the customer on every message.
    tier: Mapped[str] = mapped_column(sa.String(20), default="none", server_default="none")
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="SET NULL"), nullable=True
    )
    assignee_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True
    )
    # Higher waits less: tier boost + urgency, set when the conversation is queued.
    priority: Mapped[int] = mapped_column(default=0)
    required_skills: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # 熟客优先: the owner of the customer's open or recent ticket, preferred until sticky_until.
    sticky_agent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    sticky_until: Mapped[datetime | None] = mapped_column(nullable=True)
    queued_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Waiting time counts from the first time in a queue (overflow and transfer keep it).
    first_queued_at: Mapped[datetime | None] = mapped_column(nullable=True)
    overflowed: Mapped[bool] = mapped_column(default=False)
    assigned_at: Mapped[datetime | None] = mapped_column(nullable=True)
    first_agent_reply_at: Mapped[datetime | None] = mapped_column(nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_customer_at: Mapped[datetime | None] = mapped_column(nullable=True)
    agent_read_seq: Mapped[int] = mapped_column(default=0)
    customer_read_seq: Mapped[int] = mapped_column(default=0)
    # Why the current assignee got it: rule, skills, load ... (shown on the ticket).
    assign_reason: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    bot_misses: Mapped[int] = mapped_column(default=0)
    # Set when a conversation the bot kept to itself closes: did the bot resolve it
    # (conversation/containment.py)? NULL for hand-offs and conversations closed earlier.
    bot_resolved: Mapped[bool | None] = mapped_column(nullable=True)
    rating: Mapped[int | None] = mapped_column(nullable=True)
    rating_comment: Mapped[str] = mapped_column(sa.Text, default="")
    # The bot's dialogue state (pending choice, slots being collected, pre-hand-off questions).
    bot_state: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict, server_default="{}")

    __table_args__ = (
        sa.Index("ix_conversations_queue", "status", "group_id", "priority", "queued_at"),
        sa.Index("ix_conversations_assignee", "assignee_id", "status"),
        sa.Index("ix_conversations_customer", "customer_id"),
        sa.Index("ix_conversations_ticket", "ticket_id"),
    )


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    conversation_id: Mapped[int] = mapped_column(sa.ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int]
    sender: Mapped[str] = mapped_column(sa.String(10))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    client_id: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    text: Mapped[str] = mapped_column(sa.Text, default="")
    internal: Mapped[bool] = mapped_column(default=False)  # agents' notes, never shown to customers
    # {"id", "name"} of an attachment, {"buttons": [...]} of a bot turn, intent/confidence ...
    extra: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Customer messages: the emotion detector's label and anger intensity (0..1).
    emotion: Mapped[str | None] = mapped_column(sa.String(10), nullable=True)
    anger: Mapped[float | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("conversation_id", "seq"),
        sa.UniqueConstraint("conversation_id", "client_id"),
    )


class ChatAttachment(Base):
    __tablename__ = "chat_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AgentState(Base):
    """Presence, capacity and skills of a staff member (one row each, created on first use).
    `status` is the person's chosen presence; it survives page loads and reconnects. The row
    is also the per-agent lock routers take before counting an agent's load."""

    __tablename__ = "agent_states"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=Presence.OFFLINE)
    chat_capacity: Mapped[int] = mapped_column(default=5)
    ticket_capacity: Mapped[int] = mapped_column(default=20)
    skills: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Heartbeat: every live socket of the agent (any process) refreshes it; a stale one means
    # the person is gone (tab closed, network lost, server killed) whatever `status` says.
    last_seen_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Away because of absence (not chosen): the next heartbeat brings the agent back online.
    away_auto: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Away because the person's browser saw no input for the idle time (not chosen): their
    # next keystroke or click brings them back online; a heartbeat alone does not.
    away_idle: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    online_on_login: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Unused since presence went by heartbeat; kept one release for the release still running
    # during a rolling upgrade (docs/deploy.md), then dropped.
    connections: Mapped[int] = mapped_column(default=0, server_default="0")
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_assigned_at: Mapped[datetime | None] = mapped_column(nullable=True)


class RoutingRule(Base):
    """Per-group queue settings: overflow to another group after a wait, sticky-owner wait."""

    __tablename__ = "routing_rules"

    group_id: Mapped[int] = mapped_column(sa.ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    overflow_group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="SET NULL"), nullable=True
    )
    overflow_after_seconds: Mapped[int] = mapped_column(default=0)  # 0 = never
    sticky_wait_seconds: Mapped[int] = mapped_column(default=60)
    required_skills: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # The group's agent hours (NULL = the default schedule): they decide whether a hand-off
    # reaches a person now or becomes a message; the bot answers regardless.
    schedule_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("schedules.id", ondelete="SET NULL"), nullable=True
    )


class WidgetSession(Base):
    """A customer's chat session token (hash only): revocable, and it lapses after
    inactivity or its absolute lifetime, unlike a signed token that anyone holding the
    secret key could mint."""

    __tablename__ = "widget_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)
