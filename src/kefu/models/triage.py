"""Automatic triage of new tickets: the classifier's suggestion and whether it was applied."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base
from kefu.kit.time import utcnow


class TicketTriage(Base):
    """One row per ticket the classifier looked at (so it looks once). `applied` tells
    whether the suggestion was confident enough to be set on the ticket (the category; the
    group too when nobody had routed the ticket); otherwise agents see it as a suggestion."""

    __tablename__ = "ticket_triage"

    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(120), default="")
    priority: Mapped[str] = mapped_column(sa.String(10), default="")
    # The group the ticket's kind of request usually ends up in (None: no opinion).
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="SET NULL"), nullable=True, default=None
    )
    confidence: Mapped[float] = mapped_column(default=0.0)
    applied: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
