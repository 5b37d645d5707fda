"""Skill-group payloads."""

from __future__ import annotations

from pydantic import Field

from kefu.kit.schemas import OutSchema, Schema


class GroupCreate(Schema):
    name: str = Field(min_length=1, max_length=80)
    description: str = Field(default="", max_length=400)
    is_default: bool = False


class GroupUpdate(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=80)
    description: str | None = Field(default=None, max_length=400)
    is_default: bool | None = None


class GroupOut(OutSchema):
    id: int
    name: str
    description: str
    is_default: bool
    member_ids: list[int] = Field(default_factory=list)
