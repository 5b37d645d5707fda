"""Tickets, their comments, attachments, links, followers and custom-field definitions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base, TimestampMixin
from kefu.kit.time import utcnow


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    HOLD = "hold"
    SOLVED = "solved"
    CLOSED = "closed"


class TicketPriority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


class TicketType(StrEnum):
    QUESTION = "question"
    INCIDENT = "incident"
    PROBLEM = "problem"
    TASK = "task"


class Channel(StrEnum):
    WEB = "web"
    PORTAL = "portal"
    CHAT = "chat"
    EMAIL = "email"
    PHONE = "phone"
    WECHAT = "wechat"
    API = "api"
    SERVICE_POINT = "service_point"


class FieldKind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DROPDOWN = "dropdown"
    DATE = "date"


OPEN_WHERE = "status IN ('new', 'open', 'pending', 'hold')"


class Ticket(TimestampMixin, Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(250))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(10), default=TicketStatus.NEW)
    priority: Mapped[str] = mapped_column(sa.String(10), default=TicketPriority.NORMAL)
    type: Mapped[str] = mapped_column(sa.String(10), default=TicketType.QUESTION)
    category: Mapped[str] = mapped_column(sa.String(120), default="")
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    custom_fields: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    channel: Mapped[str] = mapped_column(sa.String(16), default=Channel.WEB)
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL"), nullable=True
    )
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="SET NULL"), nullable=True
    )
    assignee_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # 首问负责制: the first agent who answered publicly; kept through transfers and reopen.
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    problem_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True
    )
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True
    )
    due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_replied_at: Mapped[datetime | None] = mapped_column(nullable=True)
    solved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    reopen_count: Mapped[int] = mapped_column(default=0)
    # The owner's confirmation, when solving, that the customer accepted the result.
    accepted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    accepted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )

    __table_args__ = (
        sa.Index("ix_tickets_status_group", "status", "group_id"),
        sa.Index("ix_tickets_owner_status", "owner_id", "status"),
        sa.Index("ix_tickets_assignee_status", "assignee_id", "status"),
        sa.Index("ix_tickets_customer", "customer_id"),
        sa.Index("ix_tickets_parent", "parent_id"),
        sa.Index("ix_tickets_solved_at", "status", "solved_at"),
        # The backlog's partial index of open tickets is ix_tickets_open_dims (models/analytics).
    )


class TicketComment(Base):
    __tablename__ = "ticket_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author_user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    author_customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL"), nullable=True
    )
    body: Mapped[str] = mapped_column(sa.Text)
    public: Mapped[bool] = mapped_column(default=True)
    via: Mapped[str] = mapped_column(sa.String(16), default="web")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set for lines of a conversation (bot, system) that have no user or customer author.
    author_kind: Mapped[str | None] = mapped_column(sa.String(10), nullable=True)
    # The conversation message this comment records (chat, WeChat, app, phone).
    conversation_id: Mapped[int | None] = mapped_column(nullable=True)
    seq: Mapped[int | None] = mapped_column(nullable=True)
    # Structured extras: the bot transcript before hand-off, collected facts, a rating.
    data: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)

    @property
    def author_type(self) -> str:
        """customer, agent, bot or system."""
        if self.author_kind:
            return self.author_kind
        if self.author_user_id is not None:
            return "agent"
        return "customer" if self.author_customer_id is not None else "system"


class TicketAttachment(Base):
    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ticket_comments.id", ondelete="CASCADE"), nullable=True, index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketLink(Base):
    __tablename__ = "ticket_links"

    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    other_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)


class TicketFollower(Base):
    __tablename__ = "ticket_followers"

    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class TicketNotice(Base):
    """A workspace notice for a ticket's owner or follower (group or assignee changed, the
    customer wrote, an SLA warned or breached, ownership moved); unread until read_at."""

    __tablename__ = "ticket_notices"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(24))
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(nullable=True)

    __table_args__ = (sa.Index("ix_ticket_notices_user", "user_id", "read_at", "id"),)


class CustomFieldDef(TimestampMixin, Base):
    __tablename__ = "ticket_field_defs"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(60), unique=True)
    label: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(10))
    options: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    required: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)


class TicketCategory(Base):
    """Extra categories an admin added to the built-in tree (咨询/购买/使用/售后/投诉)."""

    __tablename__ = "ticket_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(sa.String(120), unique=True)
