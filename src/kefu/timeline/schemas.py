"""Timeline entries."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from kefu.kit.schemas import OutSchema


class TimelineEntry(OutSchema):
    kind: Literal["ticket", "conversation", "call"]
    id: int
    channel: str
    title: str
    status: str
    at: datetime
    link: str
