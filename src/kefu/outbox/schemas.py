"""Outbox payloads: the outgoing mail server (SMTP relay) an admin sets on /admin/mail."""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import Field, field_validator

from kefu.kit.schemas import Schema

_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]+\]?$")
_ADDRESS = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


class RelaySecurity(StrEnum):
    NONE = "none"  # plain SMTP, usually port 25 on the LAN
    STARTTLS = "starttls"  # upgrade after EHLO, usually port 587
    TLS = "tls"  # TLS from the first byte (SMTPS), usually port 465 (腾讯企业邮、阿里云邮件推送)


class RelaySettings(Schema):
    """The relay outgoing mail goes through. No host: mail is kept as "held", never lost.
    `password` is the plain value here; the repository stores it sealed."""

    host: str | None = Field(default=None, max_length=253)
    port: int = Field(default=25, ge=1, le=65535)
    security: RelaySecurity = RelaySecurity.NONE
    username: str | None = Field(default=None, max_length=254)
    password: str | None = Field(default=None, max_length=500)
    mail_from: str | None = Field(default=None, max_length=254)
    from_name: str | None = Field(default=None, max_length=120)

    @field_validator("host")
    @classmethod
    def _host(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not _HOST.match(value):
            raise ValueError("not a host name or IP address")
        return value

    @field_validator("mail_from")
    @classmethod
    def _sender(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not _ADDRESS.match(value):
            raise ValueError("not an email address")
        return value

    @field_validator("username", "password", "from_name")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None
