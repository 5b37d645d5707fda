"""Analytics request bodies."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from kefu.kit.schemas import Schema


class PainPointAddressed(Schema):
    topic: str = Field(min_length=1, max_length=200)
    title: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=2000)
    addressed_at: AwareDatetime | None = None  # default: now
