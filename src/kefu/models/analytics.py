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
from kefu.models.ticket import OPEN_WHERE, Ticket, TicketComment


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


# A filtered summary with two or more slice filters sums these (kefu.analytics.cube): one row per
# local day and combination of the five dims that had rows that day, additive counters and
# sums as columns, each histogram's exact seconds in analytics_cell_values.
CELL_COUNTERS = (
    "created",
    "contacts",
    "complaints",
    "repeat_contacts",
    "solved",
    "reopened",
    "fcr",
    "conversations",
    "bot",
    "bot_handoff",
    "bot_closed",
    "bot_contained",
    "aht_n",
    "msg_scored",
    "msg_negative",
    "sla_first_reply_met",
    "sla_first_reply_breached",
    "sla_next_reply_met",
    "sla_next_reply_breached",
    "sla_resolution_met",
    "sla_resolution_breached",
    "csat_n",
    "csat_sent",
    "csat_sent_answered",
    "nps_n",
    "nps_promoters",
    "nps_detractors",
    "nps_sent",
    "nps_sent_answered",
    "transfers",
)
CELL_SUMS = ("aht_sum", "occ_busy", "csat_sum")
# dimension -> column ("group" is an SQL keyword)
CELL_DIMS = {"channel": "channel", "group": "grp", "agent": "agent", "category": "category", "tier": "tier"}


def _dim_columns() -> list[sa.Column[Any]]:
    lengths = {"channel": 16, "grp": 20, "agent": 20, "category": 120, "tier": 20}
    return [sa.Column(c, sa.String(n), primary_key=True) for c, n in lengths.items()]


# Cells are read for three filters or more, and any three of the five dims include the group,
# the category or the agent: one index leads with each, then the day, then the other dims, so
# the other filters are tested in the index and only matching rows are fetched. (Two-column
# indexes per dim fetched every row of the leading dim: 1/4-1/6 of a year's cells for one
# query, 0.15-0.33 s a table at 1 M tickets; these 0.02-0.13 s.)
CELL_INDEXED = ("grp", "category", "agent")
# A day's cells are written sorted by these (low cardinality first): matching rows of a day
# sit together in a few pages instead of across all of them.
CELL_ORDER = ("channel", "tier", "category", "grp", "agent")


def _dim_indexes(table: str) -> list[sa.Index]:
    return [
        sa.Index(f"ix_{table}_{c}_dims", c, "day", *(o for o in CELL_ORDER if o != c)) for c in CELL_INDEXED
    ]


analytics_cells = sa.Table(
    "analytics_cells",
    Base.metadata,
    sa.Column("day", sa.Date, primary_key=True),
    *_dim_columns(),
    *(sa.Column(f"c_{name}", sa.Integer, nullable=False) for name in CELL_COUNTERS),
    *(sa.Column(f"s_{name}", sa.Float, nullable=False) for name in CELL_SUMS),
    # The cell's agent's occupancy span that day (first assigned, last closed, capacity).
    sa.Column("span_lo", sa.Float, nullable=True),
    sa.Column("span_hi", sa.Float, nullable=True),
    sa.Column("span_cap", sa.Integer, nullable=True),
    # Counters and sums without a column (`Stats` JSON), rarely anything.
    sa.Column("extra", sa.JSON(none_as_null=True), nullable=True),
    *_dim_indexes("analytics_cells"),
)

analytics_cell_values = sa.Table(
    "analytics_cell_values",
    Base.metadata,
    sa.Column("day", sa.Date, primary_key=True),
    *_dim_columns(),
    sa.Column("metric", sa.String(16), primary_key=True),
    sa.Column("value", sa.BigInteger, primary_key=True),  # whole seconds
    sa.Column("n", sa.Integer, nullable=False),
    *_dim_indexes("analytics_cell_values"),
)


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
# The filtered backlog (open tickets of a channel, group, ...): its count and age ranks scan
# this index alone instead of fetching every open ticket's row to test the filter.
sa.Index(
    "ix_tickets_open_dims",
    Ticket.created_at,
    Ticket.channel,
    Ticket.group_id,
    Ticket.assignee_id,
    Ticket.category,
    Ticket.customer_id,
    postgresql_where=sa.text(OPEN_WHERE),
    sqlite_where=sa.text(OPEN_WHERE),
)
