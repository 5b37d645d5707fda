"""Email channel payloads: address mappings, IMAP mailboxes, inbound mail (quarantine)."""

from __future__ import annotations

from datetime import datetime

from pydantic import EmailStr, Field

from kefu.kit.schemas import Id, OutSchema, Schema


class AddressCreate(Schema):
    address: EmailStr
    group_id: Id | None = None
    from_name: str = Field(default="", max_length=120)
    signature: str = Field(default="", max_length=2000)


class AddressOut(OutSchema):
    id: int
    address: str
    group_id: int | None
    from_name: str
    signature: str
    created_at: datetime


class MailboxCreate(Schema):
    name: str = Field(min_length=1, max_length=120)
    address: EmailStr  # replies on its tickets go out from this address
    host: str = Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.\-:\[\]]+$")
    port: int = Field(default=993, ge=1, le=65535)
    ssl: bool = True
    username: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=500)
    folder: str = Field(default="INBOX", min_length=1, max_length=200)
    move_to: str | None = Field(default=None, min_length=1, max_length=200)
    group_id: Id | None = None
    from_name: str = Field(default="", max_length=120)
    signature: str = Field(default="", max_length=2000)
    active: bool = True


class MailboxOut(OutSchema):
    """No password: it is write-only."""

    id: int
    name: str
    address: str
    host: str
    port: int
    ssl: bool
    username: str
    folder: str
    move_to: str | None
    group_id: int | None
    from_name: str
    signature: str
    active: bool
    last_polled_at: datetime | None
    last_error: str | None
    fetched: int
    created_at: datetime


class InboundOut(OutSchema):
    id: int
    message_key: str
    source: str
    mailbox_id: int | None
    envelope_from: str
    recipients: list[str]
    size: int
    sha256: str
    status: str
    reason: str | None
    from_addr: str | None
    subject: str
    ticket_id: int | None
    comment_id: int | None
    customer_id: int | None
    attempts: int
    received_at: datetime
    processed_at: datetime | None
