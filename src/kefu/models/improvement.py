"""The improvement loop (问题分类→责任部门整改→整改后回访): improvement items from pain points, QA
findings, SLA breach patterns, low-CSAT reasons and employees' suggestions; the responsible
departments and suppliers; each item's timeline; the external R&D integrations."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base, TimestampMixin
from kefu.kit.secretbox import EncryptedText
from kefu.kit.time import utcnow


class ItemStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    FIXED = "fixed"
    VERIFIED = "verified"
    REJECTED = "rejected"  # a suggestion not taken up
    CLOSED = "closed"  # dropped without a fix (duplicate, out of scope)


class ItemSource(StrEnum):
    PAINPOINT = "painpoint"
    QA = "qa"  # a QA review's finding: 限期整改
    SLA = "sla"  # an SLA breach pattern
    CSAT = "csat"  # a low-CSAT reason attributed to a party or supplier
    SUGGESTION = "suggestion"  # an employee's improvement suggestion


class DepartmentKind(StrEnum):
    DEPARTMENT = "department"
    SUPPLIER = "supplier"


class ImprovementDepartment(TimestampMixin, Base):
    """A responsible party an item is assigned to: an internal department or a supplier."""

    __tablename__ = "improvement_departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(12), default=DepartmentKind.DEPARTMENT)
    active: Mapped[bool] = mapped_column(default=True)


class ImprovementItem(TimestampMixin, Base):
    __tablename__ = "improvement_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(12), index=True)
    # What the item came from: a topic key ("cat:售后/退款"), a QA review id, an SLA pattern
    # ("first_reply|cat:投诉"), a survey id; empty for suggestions.
    source_ref: Mapped[str] = mapped_column(sa.String(200), default="")
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("improvement_departments.id", ondelete="SET NULL"), nullable=True, index=True
    )
    owner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    action_plan: Mapped[str] = mapped_column(sa.Text, default="")
    due_date: Mapped[date | None] = mapped_column(sa.Date, nullable=True, index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default=ItemStatus.OPEN, index=True)
    external_url: Mapped[str] = mapped_column(sa.String(500), default="")
    external_id: Mapped[str] = mapped_column(sa.String(120), default="")
    # The pain-point topic whose weekly volume the verification watches ("" = none).
    topic: Mapped[str] = mapped_column(sa.String(200), default="")
    # Tickets of the affected customers (the follow-up survey goes to their customers).
    ticket_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    # Verification thresholds (editable per item): each of the first `verify_weeks` whole
    # weeks after the fix at most `verify_ratio` % of the baseline; survey average at least
    # `survey_threshold` (1..5 stars).
    verify_ratio: Mapped[int] = mapped_column(default=50)
    verify_weeks: Mapped[int] = mapped_column(default=2)
    survey_threshold: Mapped[float] = mapped_column(default=4.0)
    baseline_weekly: Mapped[float | None] = mapped_column(nullable=True)
    baseline_complaint_rate: Mapped[float | None] = mapped_column(nullable=True)
    fixed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # The last verification run's outcome, for the detail page: {"volume": ..., "survey": ...}.
    check_note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_by: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ImprovementLog(Base):
    """One line of an item's timeline: created, edited, moved, verified, a callback."""

    __tablename__ = "improvement_logs"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("improvement_items.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    actor_label: Mapped[str] = mapped_column(sa.String(120), default="")  # "系统", an integration
    kind: Mapped[str] = mapped_column(sa.String(20))  # created | edited | status | callback | check
    from_status: Mapped[str] = mapped_column(sa.String(12), default="")
    to_status: Mapped[str] = mapped_column(sa.String(12), default="")
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImprovementIntegration(TimestampMixin, Base):
    """An external product/R&D tracker: items go out as webhooks (the subscription), and its
    signed callbacks (HMAC with `secret`, stored encrypted) move items to fixed."""

    __tablename__ = "improvement_integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    url: Mapped[str] = mapped_column(sa.String(2000))
    secret: Mapped[str] = mapped_column(EncryptedText())
    subscription_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("webhook_subscriptions.id", ondelete="SET NULL"), nullable=True
    )
    active: Mapped[bool] = mapped_column(default=True)
