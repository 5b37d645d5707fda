"""Call arithmetic (pure): speed of answer and the "answered within 30 s" standard."""

from __future__ import annotations

from datetime import datetime

ANSWER_TARGET_SECONDS = 30


def speed_of_answer(
    ringing_at: datetime | None, answered_at: datetime | None
) -> tuple[float | None, bool | None]:
    """(seconds from ringing to answer, within the standard); None when either is unknown."""
    if ringing_at is None or answered_at is None:
        return None, None
    seconds = max(0.0, (answered_at - ringing_at).total_seconds())
    return seconds, seconds <= ANSWER_TARGET_SECONDS


def earliest(current: datetime | None, new: datetime) -> datetime:
    """Repeated or late events never move a moment later than first reported."""
    return new if current is None or new < current else current
