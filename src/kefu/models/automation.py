"""Macros: a canned reply with placeholders plus field changes, applied by an agent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base, TimestampMixin
from kefu.kit.time import utcnow


class Macro(TimestampMixin, Base):
    __tablename__ = "macros"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(120), unique=True)
    body: Mapped[str] = mapped_column(sa.Text, default="")
    public: Mapped[bool] = mapped_column(default=True)
    # {"status": "pending", "priority": "high", "add_tags": [...], "group_id": 3, "assign_to_me": true}
    actions: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="SET NULL"), nullable=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    usage_count: Mapped[int] = mapped_column(default=0)


class Trigger(TimestampMixin, Base):
    """When <event> happens and all conditions hold, do the actions. `on` is one of created,
    updated, sla_warning, sla_breached, hours_since_created, hours_since_updated."""

    __tablename__ = "triggers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    on: Mapped[str] = mapped_column(sa.String(24))
    hours: Mapped[float | None] = mapped_column(nullable=True)
    conditions: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)


class TriggerRun(Base):
    """A trigger fires at most once per ticket and key (an SLA metric, or "once"): this is
    what keeps triggers from looping on their own changes."""

    __tablename__ = "trigger_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger_id: Mapped[int] = mapped_column(sa.ForeignKey("triggers.id", ondelete="CASCADE"))
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(40), default="once")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("trigger_id", "ticket_id", "key"),)
