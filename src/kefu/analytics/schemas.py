"""Analytics request bodies."""

from __future__ import annotations

from pydantic import Field

from kefu.kit.schemas import BoundedAwareDatetime, Schema


class PainPointAddressed(Schema):
    topic: str = Field(min_length=1, max_length=200)
    title: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=2000)
    addressed_at: BoundedAwareDatetime | None = None  # default: now
