"""Customer payloads."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import EmailStr, Field

from kefu.kit.schemas import BoundedDate, OutSchema, Schema


class CustomerCreate(Schema):
    name: str = Field(default="", max_length=120)
    address: str = Field(default="", max_length=300)
    id_card: str = Field(default="", max_length=32, pattern=r"^(\d{17}[\dXx]|\d{15})?$")
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    external_id: str | None = Field(default=None, min_length=1, max_length=120)
    wechat_openid: str | None = Field(default=None, min_length=1, max_length=120)
    birthday: BoundedDate | None = None
    locale: str | None = Field(default=None, max_length=10)


class CustomerUpdate(Schema):
    name: str | None = Field(default=None, max_length=120)
    birthday: BoundedDate | None = None
    locale: str | None = Field(default=None, max_length=10)
    organization: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    # A masked value ("110101********4578") may come back from a form; it keeps the real one.
    id_card: str | None = Field(
        default=None, max_length=32, pattern=r"^(\d{17}[\dXx]|\d{15}|[\dXx*]{15,18})?$"
    )
    tags: list[str] | None = Field(default=None, max_length=30)
    attributes: dict[str, str | int | float | bool | None] | None = None
    consents: dict[str, bool] | None = None  # purpose -> granted


class IdentityOut(OutSchema):
    id: int
    kind: str
    value: str
    verified: bool


class CustomerOut(OutSchema):
    id: int
    name: str
    birthday: date | None
    locale: str | None
    tier: str
    advisor_id: int | None = None
    advisor_name: str | None = None  # the dedicated advisor (专属顾问), as the customer sees it
    organization: str = ""
    address: str = ""
    id_card: str = ""
    tags: list[str] = Field(default_factory=list)
    attributes: dict[str, Any] = Field(default_factory=dict)
    consents: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    identities: list[IdentityOut] = Field(default_factory=list)
    points_balance: int = 0
    tickets: list[dict[str, Any]] = Field(default_factory=list)
    email: str | None = None
    phone: str | None = None
    external_id: str | None = None
