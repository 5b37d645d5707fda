"""Outreach (主动触达): journeys (trigger + segment + channel + template), the send log with
one row per journey step × customer × occurrence, unsubscribes and channel providers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base
from kefu.kit.secretbox import EncryptedText
from kefu.kit.time import utcnow


class SendStatus(StrEnum):
    SCHEDULED = "scheduled"  # waiting for its job (quiet hours, or just queued)
    SENDING = "sending"  # checks passed, handed to the channel
    SENT = "sent"
    SKIPPED = "skipped"  # consent, unsubscribe, cap, no address: `reason` says which
    FAILED = "failed"


class OutreachJourney(Base):
    __tablename__ = "outreach_journeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # coupon_issued | points_credited | tier_changed | birthday | shipment_delayed | campaign
    trigger: Mapped[str] = mapped_column(sa.String(30), index=True)
    channel: Mapped[str] = mapped_column(sa.String(10))  # email | sms | wechat
    purpose: Mapped[str] = mapped_column(sa.String(10))  # service | marketing
    segment: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    subject_zh: Mapped[str] = mapped_column(sa.String(200), default="")
    body_zh: Mapped[str] = mapped_column(sa.Text, default="")
    subject_en: Mapped[str] = mapped_column(sa.String(200), default="")
    body_en: Mapped[str] = mapped_column(sa.Text, default="")
    wechat_template_id: Mapped[str] = mapped_column(sa.String(120), default="")
    # Shipment delay: the apology's coupon (none when null).
    coupon_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2), nullable=True)
    coupon_validity_days: Mapped[int] = mapped_column(default=30)
    active: Mapped[bool] = mapped_column(default=True)
    launched_at: Mapped[datetime | None] = mapped_column(nullable=True)  # campaigns: sent once
    # A later step: planned when a send of `follows_id` is planned, `delay_days` after it.
    follows_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outreach_journeys.id", ondelete="SET NULL"), nullable=True, index=True
    )
    delay_days: Mapped[int] = mapped_column(default=0)
    kb_category: Mapped[str] = mapped_column(sa.String(120), default="")  # {articles}: a KB collection
    product_line: Mapped[str] = mapped_column(sa.String(40), default="")  # onboarding: "" = any line
    holiday: Mapped[str] = mapped_column(sa.String(40), default="")  # holiday greeting: which one
    milestone: Mapped[str] = mapped_column(sa.String(20), default="")  # logistics: "" = every milestone
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OutreachSend(Base):
    """The send log: `idem_key` makes a repeated event plan nothing new."""

    __tablename__ = "outreach_sends"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    idem_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    journey_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outreach_journeys.id", ondelete="SET NULL"), nullable=True, index=True
    )
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=True
    )
    channel: Mapped[str] = mapped_column(sa.String(10))
    purpose: Mapped[str] = mapped_column(sa.String(10))
    occurrence: Mapped[str] = mapped_column(sa.String(120))
    status: Mapped[str] = mapped_column(sa.String(10), default=SendStatus.SCHEDULED)
    reason: Mapped[str] = mapped_column(sa.String(40), default="")
    to_addr: Mapped[str] = mapped_column(sa.String(254), default="")
    subject: Mapped[str] = mapped_column(sa.String(200), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    context: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(sa.String(1000), default="")
    run_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)  # passed the checks
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Tracking: the channel's reference (Message-ID, SMS id, msgid) and what it reported.
    provider_ref: Mapped[str] = mapped_column(sa.String(120), default="", index=True)
    delivery: Mapped[str] = mapped_column(sa.String(20), default="")  # delivered | undelivered
    delivered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    opened_at: Mapped[datetime | None] = mapped_column(nullable=True)  # first open (pixel)
    clicked_at: Mapped[datetime | None] = mapped_column(nullable=True)  # first tracked click
    opens: Mapped[int] = mapped_column(default=0)
    clicks: Mapped[int] = mapped_column(default=0)

    # Caps count a customer's recent sends per channel; the customer's log reads newest first.
    __table_args__ = (sa.Index("ix_outreach_sends_customer_channel", "customer_id", "channel", "decided_at"),)


class OutreachUnsubscribe(Base):
    """A customer's one-click withdrawal from marketing (all channels). Checked in the
    segment query and again right before every send."""

    __tablename__ = "outreach_unsubscribes"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"), unique=True)
    source: Mapped[str] = mapped_column(sa.String(20), default="link")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    send_id: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)  # the message's link


class OutreachOptout(Base):
    """A customer stopped one kind of message on one channel: marketing (an unsubscribe link:
    stop SMS, keep email) or service notices (the portal's 我的通知设置)."""

    __tablename__ = "outreach_optouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(sa.String(10))
    purpose: Mapped[str] = mapped_column(sa.String(10), default="marketing", server_default="marketing")
    source: Mapped[str] = mapped_column(sa.String(20), default="link")
    send_id: Mapped[int | None] = mapped_column(sa.BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("customer_id", "channel", "purpose"),)


class ReportStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"  # an editor approved the text; not visible yet
    PUBLISHED = "published"  # public page; sent to consenting customers


class ServiceReport(Base):
    """服务升级报告: the customer-facing monthly report, drafted from the internal monthly
    report, edited and approved by a person; only published reports are seen or sent."""

    __tablename__ = "service_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(sa.String(7), unique=True)  # 2026-11
    title: Mapped[str] = mapped_column(sa.String(200))
    intro: Mapped[str] = mapped_column(sa.Text, default="")
    items: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)  # improvements
    figures: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)  # response times
    status: Mapped[str] = mapped_column(sa.String(10), default=ReportStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    approved_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    published_at: Mapped[datetime | None] = mapped_column(nullable=True)


class OutreachProvider(Base):
    """A channel's outside provider (the SMS gateway, the app's push webhook, the courier
    webhook's secret): URL checked by the SSRF guard, key encrypted at rest."""

    __tablename__ = "outreach_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(10), unique=True)
    url: Mapped[str] = mapped_column(sa.String(500))
    api_key: Mapped[str] = mapped_column(EncryptedText, default="")
    sign_name: Mapped[str] = mapped_column(sa.String(40), default="")  # SMS 签名, e.g. 星辰电子
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
