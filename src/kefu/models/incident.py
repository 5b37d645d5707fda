"""Major incidents (重大事故): one outage, its master problem ticket and the widget banner."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base, TimestampMixin


class Severity(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


# P1/P2 are "major": the customer-facing banner shows while one is open.
MAJOR = frozenset({Severity.P1, Severity.P2})


class IncidentStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Incident(TimestampMixin, Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    severity: Mapped[str] = mapped_column(sa.String(2))
    status: Mapped[str] = mapped_column(sa.String(10), default=IncidentStatus.OPEN, index=True)
    keywords: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # What customers read in the widget banner and the bot's outage answer.
    customer_message: Mapped[str] = mapped_column(sa.Text, default="")
    # The message every linked ticket gets when the incident is resolved.
    resolution_message: Mapped[str] = mapped_column(sa.Text, default="")
    problem_ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"))
    created_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)
