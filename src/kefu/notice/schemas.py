"""Announcement payloads."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from kefu.kit.schemas import Id, OutSchema, Schema


class AnnouncementCreate(Schema):
    text: str = Field(min_length=1, max_length=2000)
    group_id: Id | None = None


class AnnouncementOut(OutSchema):
    id: int
    text: str
    author_id: int
    author_name: str
    group_id: int | None
    created_at: datetime
