"""Business schedules, SLA policies, each ticket's stored SLA deadlines, emitted SLA events."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base, TimestampMixin
from kefu.kit.time import utcnow


class Metric(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    FIRST_REPLY = "first_reply"
    NEXT_REPLY = "next_reply"
    RESOLUTION = "resolution"
    # Timed escalation: a second-line group was handed the ticket; met when one of its
    # members first acts. Started by the ticket domain, not by a policy's targets.
    SPECIALIST_ENGAGED = "specialist_engaged"


class ClockStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


class Schedule(TimestampMixin, Base):
    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Shanghai")
    intervals: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    holidays: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    workdays: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    cn_statutory: Mapped[bool] = mapped_column(default=False)
    is_default: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SlaPolicy(TimestampMixin, Base):
    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(default=0, index=True)
    schedule_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("schedules.id", ondelete="SET NULL"), nullable=True
    )
    filter: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    targets: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)  # metric -> minutes
    business_hours: Mapped[bool] = mapped_column(default=True)
    pause_on: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    warn_at: Mapped[float] = mapped_column(default=0.75)
    active: Mapped[bool] = mapped_column(default=True)


class AppliedSla(Base):
    """One ticket metric's clock. `breach_at`/`warn_due_at` hold the next deadline only while
    it can still fire (NULL otherwise), so the scan is an index range on a small set."""

    __tablename__ = "applied_slas"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(sa.String(20))
    policy_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    policy: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)  # snapshot
    target_minutes: Mapped[int]
    business_hours: Mapped[bool] = mapped_column(default=True)
    schedule_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=ClockStatus.ACTIVE)
    started_at: Mapped[datetime]
    run_started_at: Mapped[datetime | None] = mapped_column(nullable=True)  # current running stretch
    consumed_seconds: Mapped[float] = mapped_column(default=0.0)  # before run_started_at
    due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    breach_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    warn_due_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    warn_ratio: Mapped[float] = mapped_column(default=0.75)
    warned_at: Mapped[datetime | None] = mapped_column(nullable=True)
    breached_at: Mapped[datetime | None] = mapped_column(nullable=True)
    fulfilled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    achieved_minutes: Mapped[float | None] = mapped_column(nullable=True)

    __table_args__ = (sa.UniqueConstraint("ticket_id", "metric"),)


class SlaEvent(Base):
    __tablename__ = "sla_events"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    metric: Mapped[str] = mapped_column(sa.String(20))
    kind: Mapped[str] = mapped_column(sa.String(10))  # warning | breach
    due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("ticket_id", "metric", "kind"),)
