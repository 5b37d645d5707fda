"""Telephony (CTI) integrations, calls and the raw call events they sent."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base, TimestampMixin
from kefu.kit.secretbox import EncryptedText
from kefu.kit.time import utcnow


class CallStatus(StrEnum):
    RINGING = "ringing"
    ANSWERED = "answered"
    ENDED = "ended"  # answered, then hung up
    MISSED = "missed"  # ended without anyone answering


class PhoneIntegration(TimestampMixin, Base):
    __tablename__ = "phone_integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    secret: Mapped[str] = mapped_column(EncryptedText())
    # Call-back tasks for missed calls go to this group (None: the default group).
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="SET NULL"), nullable=True
    )
    # Agent extensions of the PBX: {"8001": user_id}.
    extensions: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)


class Call(TimestampMixin, Base):
    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(sa.ForeignKey("phone_integrations.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(sa.String(120))
    direction: Mapped[str] = mapped_column(sa.String(10), default="inbound")
    caller: Mapped[str] = mapped_column(sa.String(40), default="")
    callee: Mapped[str] = mapped_column(sa.String(40), default="")
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL"), nullable=True, index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(sa.String(10), default=CallStatus.RINGING)
    agent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    ringing_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Speed of answer (answered_at − ringing_at) and the "answered within 30 s" standard.
    speed_of_answer_seconds: Mapped[float | None] = mapped_column(nullable=True)
    answered_within_30s: Mapped[bool | None] = mapped_column(nullable=True)
    recording_url: Mapped[str] = mapped_column(sa.String(1000), default="")
    transcript: Mapped[str] = mapped_column(sa.Text, default="")
    callback_ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True
    )

    __table_args__ = (sa.UniqueConstraint("integration_id", "external_id"),)


class CallEvent(Base):
    """Each event as received (raw first); the event id makes repeats harmless."""

    __tablename__ = "call_events"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    integration_id: Mapped[int] = mapped_column(sa.ForeignKey("phone_integrations.id", ondelete="CASCADE"))
    event_id: Mapped[str] = mapped_column(sa.String(120))
    call_external_id: Mapped[str] = mapped_column(sa.String(120), index=True)
    type: Mapped[str] = mapped_column(sa.String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("integration_id", "event_id"),)
