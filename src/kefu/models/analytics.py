"""Analytics: daily rollups per slice, the refresh watermark, and pain points marked addressed.

Also the indexes the analytics windows need on other domains' tables (declared here so the
owning models stay untouched; they are ordinary indexes on timestamp columns).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base
from kefu.kit.time import utcnow
from kefu.models.conversation import Conversation
from kefu.models.sla import AppliedSla
from kefu.models.ticket import Ticket, TicketComment


class DailyRollup(Base):
    """One slice's `Stats` for one local day (dim "all" with key "" is the whole day)."""

    __tablename__ = "analytics_daily"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    dim: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    stats: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.Index("ix_analytics_daily_dim_day", "dim", "key", "day"),)


class HourlyRollup(Base):
    """The whole company's `Stats` for one hour bucket of a local day (`windows.hours`), so a
    range that does not start or end at local midnight reads at most two partial hours raw."""

    __tablename__ = "analytics_hourly"

    start: Mapped[datetime] = mapped_column(primary_key=True)
    stats: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)


class AnalyticsState(Base):
    """Named watermarks of the incremental refresh (e.g. the last event time seen)."""

    __tablename__ = "analytics_state"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[datetime] = mapped_column()


class PainPoint(Base):
    """A topic someone marked as addressed: its volume before and after is tracked."""

    __tablename__ = "pain_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(sa.String(200), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    addressed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    addressed_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# Windows read tickets, conversations, comments and SLA outcomes by time.
sa.Index("ix_tickets_created_at", Ticket.created_at)
sa.Index("ix_tickets_first_replied_at", Ticket.first_replied_at)
sa.Index("ix_tickets_solved_at_only", Ticket.solved_at)
sa.Index("ix_tickets_status_created", Ticket.status, Ticket.created_at)  # backlog age
sa.Index("ix_conversations_created_at", Conversation.created_at)
sa.Index("ix_conversations_closed_at", Conversation.closed_at)
sa.Index("ix_ticket_comments_created_at", TicketComment.created_at)
sa.Index("ix_applied_slas_fulfilled_at", AppliedSla.fulfilled_at)
sa.Index("ix_applied_slas_breached_at", AppliedSla.breached_at)
