"""WeChat account payloads."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from kefu.kit.schemas import OutSchema, Schema


class AccountCreate(Schema):
    name: str = Field(min_length=1, max_length=120)
    app_id: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    app_secret: str = Field(min_length=8, max_length=128)
    # The platform allows 3–32 letters and digits.
    token: str = Field(min_length=3, max_length=32, pattern=r"^[A-Za-z0-9]+$")
    encoding_aes_key: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{43}$")
    api_base: str | None = Field(default=None, max_length=300, pattern=r"^https?://")
    menu: dict[str, str] = Field(default_factory=dict, max_length=100)
    welcome: str = Field(default="", max_length=600)


class AccountUpdate(Schema):
    """The admin's edit: secrets left out stay as they are."""

    name: str = Field(min_length=1, max_length=120)
    app_secret: str | None = Field(default=None, min_length=8, max_length=128)
    token: str = Field(min_length=3, max_length=32, pattern=r"^[A-Za-z0-9]+$")
    encoding_aes_key: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]{43}$")
    welcome: str = Field(default="", max_length=600)
    active: bool = True


class AccountCreated(OutSchema):
    id: int
    callback_path: str


class AccountOut(OutSchema):
    id: int
    name: str
    app_id: str
    safe_mode: bool
    callback_path: str
    active: bool
    created_at: datetime
