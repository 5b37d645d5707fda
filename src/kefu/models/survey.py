"""Satisfaction surveys (CSAT after a solved ticket or an ended chat, NPS campaigns to
customer segments) and the closed-loop follow-ups a low score opens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base
from kefu.kit.time import utcnow


class SurveyKind(StrEnum):
    CSAT = "csat"
    NPS = "nps"


class FollowUpStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class SurveyCampaign(Base):
    """An NPS campaign: a customer segment asked again every `interval_days`."""

    __tablename__ = "survey_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(10), default=SurveyKind.NPS)
    # Segment: tier codes (empty = every tier) and customers in contact within N days (None = all).
    tiers: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    last_contact_days: Mapped[int | None] = mapped_column(nullable=True)
    interval_days: Mapped[int] = mapped_column(default=90)
    next_run_at: Mapped[datetime] = mapped_column(index=True)
    last_run_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # The round being served (the `next_run_at` of its run): a customer is asked once per
    # round, however often it runs; "run now" between rounds serves this one again.
    round_at: Mapped[datetime | None] = mapped_column(nullable=True)
    runs: Mapped[int] = mapped_column(default=0)
    # [{"id": "q1", "text": "...", "type": "text|choice|rating", "options": [...]}]
    questions: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    expires_days: Mapped[int] = mapped_column(default=14)
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Survey(Base):
    """One question put to one customer; answered at most once."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL"), nullable=True, index=True
    )
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True, index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True, index=True
    )
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("survey_campaigns.id", ondelete="SET NULL"), nullable=True
    )
    # Which run of the campaign sent it: one survey per customer per run.
    campaign_run: Mapped[int | None] = mapped_column(nullable=True)
    channel: Mapped[str] = mapped_column(sa.String(16), default="email")
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # "ticket:12", "chat:34", "campaign:5:2:9" (campaign, run, customer): a retried job or a
    # repeated event never sends the same survey twice.
    dedupe_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    agent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="SET NULL"), nullable=True
    )
    locale: Mapped[str] = mapped_column(sa.String(10), default="zh_CN")
    sent_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    score: Mapped[int | None] = mapped_column(nullable=True)
    score_100: Mapped[int | None] = mapped_column(nullable=True)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (sa.Index("ix_surveys_kind_answered", "kind", "answered_at"),)


class FollowUp(Base):
    """Closed loop: a low score becomes a task for the group's supervisor."""

    __tablename__ = "survey_followups"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("surveys.id", ondelete="CASCADE"), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True
    )
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="SET NULL"), nullable=True
    )
    assignee_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(sa.String(10), default=FollowUpStatus.OPEN)
    outcome: Mapped[str] = mapped_column(sa.Text, default="")
    closed_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)

    __table_args__ = (sa.Index("ix_survey_followups_status", "status", "assignee_id"),)
