"""Privacy payloads: the admin's retention period (PIPL)."""

from __future__ import annotations

from pydantic import Field

from kefu.kit.schemas import Schema


class RetentionSettings(Schema):
    """Closed tickets and chats older than this many days lose their texts and files (their
    numbers stay for statistics). 0 keeps everything; None: the server's KEFU_RETENTION_DAYS."""

    retention_days: int | None = Field(default=None, ge=0, le=3650)
