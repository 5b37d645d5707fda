"""Quality inspection (质检): configurable rules, the automatic inspection of every closed
conversation and solved ticket, scorecards, and supervisors' reviews that agents may dispute."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base
from kefu.kit.time import utcnow


class QaRuleKind(StrEnum):
    GREETING = "greeting"
    CLOSING = "closing"
    FORBIDDEN = "forbidden"
    RESPONSE_GAP = "response_gap"
    EMOTION = "emotion"
    RESOLUTION = "resolution"
    HANDOFF_CONTEXT = "handoff_context"


class QaReviewStatus(StrEnum):
    PENDING = "pending"  # sampled, waiting for a supervisor
    REVIEWED = "reviewed"
    DISPUTED = "disputed"
    RESOLVED = "resolved"  # dispute answered; final


class QaRule(Base):
    __tablename__ = "qa_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(120))
    weight: Mapped[int] = mapped_column(default=10)
    # greeting/closing: {"phrases": [...]}, forbidden: {"words": [...]},
    # response_gap: {"fallback_minutes": N}, handoff_context: {"fields": [...]}
    config: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QaInspection(Base):
    """The automatic score (0–100) of one closed conversation or one solved ticket."""

    __tablename__ = "qa_inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=True, unique=True
    )
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=True, unique=True
    )
    agent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="SET NULL"), nullable=True
    )
    score: Mapped[int]
    # [{"rule_id", "kind", "name", "weight", "applicable", "passed", "detail"}]
    findings: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    negative_emotion: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class QaScorecard(Base):
    """Weighted criteria a supervisor scores by hand."""

    __tablename__ = "qa_scorecards"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # [{"id": "tone", "label": "...", "weight": 30}]
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QaReview(Base):
    __tablename__ = "qa_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(
        sa.ForeignKey("qa_inspections.id", ondelete="CASCADE"), unique=True
    )
    agent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    scorecard_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("qa_scorecards.id", ondelete="SET NULL"), nullable=True
    )
    reviewer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[str] = mapped_column(sa.String(10), default=QaReviewStatus.PENDING)
    sample_reason: Mapped[str] = mapped_column(sa.String(20), default="random")
    # {criterion id: 0–100}
    scores: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    total: Mapped[int | None] = mapped_column(nullable=True)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    dispute_reason: Mapped[str] = mapped_column(sa.Text, default="")
    disputed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    resolution: Mapped[str] = mapped_column(sa.Text, default="")
    resolved_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (sa.Index("ix_qa_reviews_status", "status", "reviewer_id"),)
