"""Companies' apps and mini-programs posting through the API, their users, and the visits
their offline service points log."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kefu.kit.db import Base, TimestampMixin
from kefu.kit.secretbox import EncryptedText
from kefu.kit.time import utcnow


class AppIntegration(TimestampMixin, Base):
    __tablename__ = "app_integrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # The integration key the app sends (identifies it; may ship inside the app).
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # Kept on the company's servers: signs user ids (user_hash) and service-point requests.
    secret: Mapped[str] = mapped_column(EncryptedText())
    # The outgoing webhook (scoped to this integration) that carries replies to the app.
    webhook_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("webhook_subscriptions.id", ondelete="SET NULL"), nullable=True
    )
    active: Mapped[bool] = mapped_column(default=True)


class AppUser(TimestampMixin, Base):
    __tablename__ = "app_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(sa.ForeignKey("app_integrations.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(sa.String(120))  # the app's own user id
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL"), nullable=True, index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("conversations.id", ondelete="SET NULL"), nullable=True, unique=True
    )

    __table_args__ = (sa.UniqueConstraint("integration_id", "user_id"),)


class ServiceVisit(Base):
    """A visit at an offline service point, logged once per visit id as a ticket."""

    __tablename__ = "service_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    integration_id: Mapped[int] = mapped_column(sa.ForeignKey("app_integrations.id", ondelete="CASCADE"))
    visit_id: Mapped[str] = mapped_column(sa.String(120))
    service_point: Mapped[str] = mapped_column(sa.String(120))
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL"), nullable=True, index=True
    )
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True
    )
    visited_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("integration_id", "visit_id"),)
