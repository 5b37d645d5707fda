"""Announcement events (supervisor → all staff)."""

from __future__ import annotations

from typing import ClassVar

from kefu.kit.events import DomainEvent, register


@register
class AnnouncementPosted(DomainEvent):
    name: ClassVar[str] = "announcement.posted"
    aggregate: ClassVar[str] = "announcement"
    author_id: int
    author_name: str
    text: str
    group_id: int | None = None
