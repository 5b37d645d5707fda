"""What the API shows of a ticket's triage."""

from __future__ import annotations

from datetime import datetime

from kefu.kit.schemas import OutSchema


class TriageOut(OutSchema):
    ticket_id: int
    category: str
    priority: str
    group_id: int | None
    confidence: float
    applied: bool
    created_at: datetime
