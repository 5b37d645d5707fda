"""Auth and staff-user payloads."""

from __future__ import annotations

from datetime import datetime

from pydantic import EmailStr, Field

from kefu.kit.schemas import Id, OutSchema, Schema
from kefu.models.user import Role


class TokenRequest(Schema):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=200)


class TokenResponse(OutSchema):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - OAuth token type, not a secret
    role: str
    expires_at: datetime | None = None


class UserCreate(Schema):
    email: EmailStr
    name: str = Field(default="", max_length=120)
    password: str = Field(min_length=8, max_length=200)
    role: Role
    group_ids: list[Id] = Field(default_factory=list)


class UserUpdate(Schema):
    name: str | None = Field(default=None, max_length=120)
    role: Role | None = None
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=200)
    group_ids: list[Id] | None = None


class UserOut(OutSchema):
    id: int
    email: str
    name: str
    role: str
    is_active: bool
    group_ids: list[int] = Field(default_factory=list)


class TokenInfo(OutSchema):
    id: int
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
