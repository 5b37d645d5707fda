"""Mail: the outbox, inbound mail stored raw before parsing, address-to-group mappings and
IMAP mailboxes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column

from kefu.kit.db import Base, TimestampMixin
from kefu.kit.secretbox import EncryptedText
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
    # Per-mailbox sender (replies go out from the address the customer wrote to).
    from_addr: Mapped[str | None] = mapped_column(sa.String(254), nullable=True)
    from_name: Mapped[str | None] = mapped_column(sa.String(120), nullable=True)
    # An HTML alternative (outreach mail with links and its open pixel); text stays the main part.
    body_html: Mapped[str | None] = mapped_column(sa.Text, nullable=True)


class InboundStatus(StrEnum):
    RECEIVED = "received"  # stored raw, waiting for the processing job
    TICKET = "ticket"  # opened a ticket
    COMMENT = "comment"  # added to an existing ticket
    AUTOMATED = "automated"  # auto-reply, bounce, bulk: kept, never a ticket or an answer
    HELD = "held"  # loop breaker: too many mails from one sender
    QUARANTINED = "quarantined"  # could not be read or processed; an admin may retry


class InboundMail(Base):
    """One received message, raw bytes first. `message_key` is the Message-ID (or
    "sha256:<hex>" of the raw when there is none): the same mail twice is stored once."""

    __tablename__ = "inbound_mail"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    message_key: Mapped[str] = mapped_column(sa.String(300), unique=True)
    source: Mapped[str] = mapped_column(sa.String(10))  # smtp | imap
    mailbox_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("mailboxes.id", ondelete="SET NULL"), nullable=True
    )
    imap_uid: Mapped[str | None] = mapped_column(sa.String(40), nullable=True)
    envelope_from: Mapped[str] = mapped_column(sa.String(254), default="")
    recipients: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    raw: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, nullable=False))
    size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(12), default=InboundStatus.RECEIVED)
    reason: Mapped[str | None] = mapped_column(sa.String(500), nullable=True)
    from_addr: Mapped[str | None] = mapped_column(sa.String(254), nullable=True)
    subject: Mapped[str] = mapped_column(sa.String(500), default="")
    ticket_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True, index=True
    )
    comment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ticket_comments.id", ondelete="SET NULL"), nullable=True, index=True
    )
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL"), nullable=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(nullable=True)

    __table_args__ = (
        sa.UniqueConstraint("mailbox_id", "imap_uid"),
        sa.Index("ix_inbound_mail_status_id", "status", "id"),
        sa.Index("ix_inbound_mail_from_received", "from_addr", "received_at"),
    )


class MailAddress(TimestampMixin, Base):
    """An address of ours (support@company.cn) and the group its mail goes to; also the
    From, display name and signature of replies on tickets that came in through it."""

    __tablename__ = "mail_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(sa.String(254), unique=True)
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="SET NULL"), nullable=True
    )
    from_name: Mapped[str] = mapped_column(sa.String(120), default="")
    signature: Mapped[str] = mapped_column(sa.Text, default="")


class Mailbox(TimestampMixin, Base):
    """An IMAP mailbox polled for new mail. The password is stored encrypted (kit.secretbox)."""

    __tablename__ = "mailboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    address: Mapped[str] = mapped_column(sa.String(254))
    host: Mapped[str] = mapped_column(sa.String(253))
    port: Mapped[int] = mapped_column(default=993)
    ssl: Mapped[bool] = mapped_column(default=True)
    username: Mapped[str] = mapped_column(sa.String(254))
    password: Mapped[str] = mapped_column(EncryptedText())
    folder: Mapped[str] = mapped_column(sa.String(200), default="INBOX")
    move_to: Mapped[str | None] = mapped_column(sa.String(200), nullable=True)
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("groups.id", ondelete="SET NULL"), nullable=True
    )
    from_name: Mapped[str] = mapped_column(sa.String(120), default="")
    signature: Mapped[str] = mapped_column(sa.Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    last_polled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(sa.String(1000), nullable=True)
    fetched: Mapped[int] = mapped_column(default=0)
