"""Customers and their identities across channels (one person, many handles)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kefu.kit.db import Base, TimestampMixin


class IdentityKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    WECHAT_OPENID = "wechat_openid"
    WECHAT_UNIONID = "wechat_unionid"
    EXTERNAL_ID = "external_id"


class Customer(TimestampMixin, Base):
    __tablename__ = "customers"
    # The few advised customers: routing asks "is anyone advised?" on every new ticket.
    __table_args__ = (
        sa.Index(
            "ix_customers_advisor",
            "advisor_id",
            postgresql_where=sa.text("advisor_id IS NOT NULL"),
            sqlite_where=sa.text("advisor_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    birthday: Mapped[date | None] = mapped_column(nullable=True)
    locale: Mapped[str | None] = mapped_column(sa.String(10), nullable=True)
    # Portal sign-in (optional: most customers never set a password).
    password_hash: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    tier: Mapped[str] = mapped_column(sa.String(20), default="none")
    erased_at: Mapped[datetime | None] = mapped_column(nullable=True)  # PIPL erasure done
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    id_card: Mapped[str] = mapped_column(sa.String(32), default="")  # 身份证号, for warranty/invoices
    organization: Mapped[str] = mapped_column(sa.String(200), default="")  # B2B: the company
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Consent records: {"marketing": {"granted": true, "at": "...", "source": "portal"}, ...}
    consents: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Dedicated advisor (专属顾问) for customers above 100,000 CNY a year; routing asks them first.
    advisor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )

    identities: Mapped[list[Identity]] = relationship(
        back_populates="customer",
        cascade="all, delete-orphan",
        lazy="raise",
        order_by="Identity.id",
    )


class Identity(TimestampMixin, Base):
    __tablename__ = "identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    value: Mapped[str] = mapped_column(sa.String(254))
    verified: Mapped[bool] = mapped_column(default=False)

    customer: Mapped[Customer] = relationship(back_populates="identities", lazy="raise")

    __table_args__ = (sa.UniqueConstraint("kind", "value"),)
