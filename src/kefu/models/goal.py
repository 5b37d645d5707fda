"""Service goals (服务目标) the admin sets, and the alerts sent when one was missed.

A goal compares one metric over a period with a target; with a baseline period it compares
the metric's relative change against that period instead (complaint rate −60 % vs baseline).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base, TimestampMixin
from kefu.kit.time import utcnow


class Goal(TimestampMixin, Base):
    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    metric: Mapped[str] = mapped_column(sa.String(40))
    comparison: Mapped[str] = mapped_column(sa.String(10))  # at_least | at_most
    # In the metric's unit (percent 0-100 for rates, seconds, score); with a baseline, the
    # change in percent against the baseline (-60 = 60 % lower).
    target: Mapped[float]
    baseline_from: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    baseline_to: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    period: Mapped[str] = mapped_column(sa.String(10), default="week")  # day | week | month
    effective_from: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    effective_to: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class GoalAlert(Base):
    """One alert per goal and evaluated period: the unique key makes the alert fire once."""

    __tablename__ = "goal_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(sa.ForeignKey("goals.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(sa.Date)
    period_end: Mapped[date] = mapped_column(sa.Date)  # exclusive
    value: Mapped[float | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("goal_id", "period_start"),)
