"""Workforce planning: each agent's weekly shifts (what the staffing curve is compared with)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base, TimestampMixin


class Shift(TimestampMixin, Base):
    """One agent working `start`–`end` (local "HH:MM", end may be "24:00") every `weekday`
    (Mon=0). `channel` "" means the agent serves every channel."""

    __tablename__ = "wfm_shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    weekday: Mapped[int]
    start: Mapped[str] = mapped_column(sa.String(5))
    end: Mapped[str] = mapped_column(sa.String(5))
    channel: Mapped[str] = mapped_column(sa.String(16), default="")

    __table_args__ = (sa.Index("ix_wfm_shifts_weekday", "weekday", "user_id"),)
