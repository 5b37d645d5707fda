"""After-sales field service: customers' devices under warranty, service points and repair
partners with their daily capacity, service orders (寄修 / 上门 / 到店) with their audited
state changes and SLA clocks, partner API nonces, and remote-diagnostic consent and bundles."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base, TimestampMixin
from kefu.kit.secretbox import EncryptedText
from kefu.kit.time import utcnow


class ServiceKind(StrEnum):
    MAIL_IN = "mail_in"  # 寄修
    ONSITE = "onsite"  # 上门
    WALK_IN = "walk_in"  # 到店


class PointKind(StrEnum):
    OWN = "own"
    PARTNER = "partner"


class WarrantyRule(Base):
    """Months of warranty (and out-of-warranty service fees) per product line."""

    __tablename__ = "warranty_rules"

    product_line: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    months: Mapped[int] = mapped_column(default=12)
    labour_fee_cny: Mapped[int] = mapped_column(default=100)
    onsite_fee_cny: Mapped[int] = mapped_column(default=50)


class Device(TimestampMixin, Base):
    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    model: Mapped[str] = mapped_column(sa.String(120))
    serial: Mapped[str] = mapped_column(sa.String(64), unique=True)  # serial number or IMEI
    product_line: Mapped[str] = mapped_column(sa.String(40))
    purchased_at: Mapped[date]
    order_ref: Mapped[str] = mapped_column(sa.String(64), default="")  # the purchase order
    warranty_until: Mapped[date]
    extended_until: Mapped[date | None] = mapped_column(nullable=True)  # extended-warranty plan
    source: Mapped[str] = mapped_column(sa.String(20), default="api")  # api | portal | order | app
    # The warranty-expiry campaign told the customer (once per device).
    warranty_notice_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ServicePoint(TimestampMixin, Base):
    """An own service point (网点) or a third-party repair partner."""

    __tablename__ = "service_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(10), default=PointKind.OWN)
    province: Mapped[str] = mapped_column(sa.String(40))
    city: Mapped[str] = mapped_column(sa.String(40), index=True)
    district: Mapped[str] = mapped_column(sa.String(40), default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    phone: Mapped[str] = mapped_column(sa.String(40), default="")
    opening_hours: Mapped[str] = mapped_column(sa.String(120), default="")
    # Further cities it serves besides its own (on-site radius, mail-in catchment).
    coverage: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    product_lines: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    daily_capacity: Mapped[int] = mapped_column(default=10)
    active: Mapped[bool] = mapped_column(default=True)
    # Partners only: signs their API calls (HMAC) and their outgoing webhook.
    api_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True, nullable=True)
    api_secret: Mapped[str | None] = mapped_column(EncryptedText(), nullable=True)
    webhook_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("webhook_subscriptions.id", ondelete="SET NULL"), nullable=True
    )
    accept_hours: Mapped[int] = mapped_column(default=4)  # partner SLA: accept within N hours
    complete_days: Mapped[int] = mapped_column(default=5)  # partner SLA: complete within N days


class ServicePointUser(Base):
    """A partner's sign-in accounts (users with the role "partner")."""

    __tablename__ = "service_point_users"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    service_point_id: Mapped[int] = mapped_column(
        sa.ForeignKey("service_points.id", ondelete="CASCADE"), index=True
    )


class ServicePointLoad(Base):
    """Orders booked on a point for one local day: the row dispatch reserves atomically."""

    __tablename__ = "service_point_loads"

    service_point_id: Mapped[int] = mapped_column(
        sa.ForeignKey("service_points.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    booked: Mapped[int] = mapped_column(default=0)


class ServiceOrder(TimestampMixin, Base):
    __tablename__ = "service_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL"), nullable=True, index=True
    )
    device_id: Mapped[int] = mapped_column(sa.ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(24), default="created", index=True)
    fault: Mapped[str] = mapped_column(sa.Text, default="")
    fault_codes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    province: Mapped[str] = mapped_column(sa.String(40), default="")
    city: Mapped[str] = mapped_column(sa.String(40))
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    service_point_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("service_points.id", ondelete="SET NULL"), nullable=True, index=True
    )
    load_day: Mapped[date | None] = mapped_column(nullable=True)  # the capacity day it holds
    appointment_at: Mapped[datetime | None] = mapped_column(nullable=True)
    in_warranty: Mapped[bool] = mapped_column(default=False)
    fee_cny: Mapped[int] = mapped_column(default=0)
    fee_reason: Mapped[str] = mapped_column(sa.String(40), default="")
    quote_cny: Mapped[int | None] = mapped_column(nullable=True)
    quote_note: Mapped[str] = mapped_column(sa.String(400), default="")
    parts: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    tracking_no: Mapped[str] = mapped_column(sa.String(64), default="")  # 寄修 courier number
    declined_by: Mapped[list[int]] = mapped_column(sa.JSON, default=list)  # points that refused it
    rating: Mapped[int | None] = mapped_column(nullable=True)
    rating_comment: Mapped[str] = mapped_column(sa.String(400), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ServiceOrderEvent(Base):
    """Every state change of an order: who, when, from and to (the repair timeline)."""

    __tablename__ = "service_order_events"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("service_orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(sa.String(24), nullable=True)
    to_status: Mapped[str] = mapped_column(sa.String(24))
    actor_kind: Mapped[str] = mapped_column(sa.String(10))  # staff | customer | partner | system
    actor_id: Mapped[int | None] = mapped_column(nullable=True)
    note: Mapped[str] = mapped_column(sa.String(400), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ServiceClock(Base):
    """A stored deadline of an order (24 h confirmation, partner accept/complete); the scan
    breaches each once."""

    __tablename__ = "service_clocks"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    order_id: Mapped[int] = mapped_column(sa.ForeignKey("service_orders.id", ondelete="CASCADE"), index=True)
    metric: Mapped[str] = mapped_column(sa.String(24))
    status: Mapped[str] = mapped_column(
        sa.String(10), default="active"
    )  # active|fulfilled|breached|cancelled
    due_at: Mapped[datetime] = mapped_column(index=True)
    fulfilled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    breached_at: Mapped[datetime | None] = mapped_column(nullable=True)

    __table_args__ = (sa.UniqueConstraint("order_id", "metric"),)


class PartnerNonce(Base):
    """Nonces a partner's signed calls used: a replayed request is refused."""

    __tablename__ = "partner_nonces"

    service_point_id: Mapped[int] = mapped_column(
        sa.ForeignKey("service_points.id", ondelete="CASCADE"), primary_key=True
    )
    nonce: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class DiagnosticConsent(TimestampMixin, Base):
    """The customer allowed remote diagnostics in this conversation."""

    __tablename__ = "diagnostic_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class DiagnosticBundle(TimestampMixin, Base):
    __tablename__ = "diagnostic_bundles"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int] = mapped_column(sa.ForeignKey("conversations.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True, index=True
    )
    device_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("devices.id", ondelete="SET NULL"), nullable=True
    )
    serial: Mapped[str] = mapped_column(sa.String(64), default="")
    device_info: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    fault_codes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    logs: Mapped[str] = mapped_column(sa.Text, default="")
