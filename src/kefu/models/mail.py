"""Outgoing mail kept in an outbox until the SMTP server has taken it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base
from kefu.kit.time import utcnow


class OutboxStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    HELD = "held"  # no SMTP server configured


class OutboundMail(Base):
    __tablename__ = "outbound_mail"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    to_addr: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(500))
    body_text: Mapped[str] = mapped_column(sa.Text)
    message_id: Mapped[str] = mapped_column(sa.String(250), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(sa.String(250), nullable=True)
    references: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True, index=True)
    kind: Mapped[str] = mapped_column(sa.String(40), default="notification")
    status: Mapped[str] = mapped_column(sa.String(10), default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.String(1000), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
