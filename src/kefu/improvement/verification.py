"""Verifying a fix and the 痛点解决率 KPI (pure).

- Volume check: the topic's contacts in each of the first `weeks` whole weeks after the fix
  (7-day windows from the moment it was marked fixed) must be at most `ratio` % of the
  baseline (the weekly average of the 4 weeks before the item was created) — or, when the
  baseline had complaints, the week's complaint rate at most `ratio` % of the baseline rate.
  Fewer whole weeks than `weeks` so far: pending.
- Survey check: the follow-up survey's average (1..5 stars) at least `threshold`; nobody
  answered yet: pending.
- An item is verified when the volume check passes and the survey has not failed (silence is
  not a complaint), or — without a topic to watch — when the survey passes.
- KPI: verified ÷ due, where due = items (not rejected or closed) whose due date is in the
  period; None when nothing was due.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

BASELINE_WEEKS = 4
WEEK = timedelta(days=7)


class Check(StrEnum):
    PASS = "pass"  # noqa: S105 - a check outcome, not a password
    FAIL = "fail"
    PENDING = "pending"
    NONE = "none"  # not applicable (no topic / nobody was surveyed)


@dataclass(frozen=True)
class Week:
    volume: int
    complaints: int

    @property
    def complaint_rate(self) -> float | None:
        return self.complaints / self.volume if self.volume else None


def baseline(weeks: Sequence[Week]) -> tuple[float, float | None]:
    """(weekly volume, complaint rate) over the baseline weeks."""
    volume = sum(w.volume for w in weeks)
    complaints = sum(w.complaints for w in weeks)
    per_week = volume / len(weeks) if weeks else 0.0
    return round(per_week, 2), (round(complaints / volume, 4) if volume else None)


def windows(fixed_at: datetime, now: datetime, weeks: int) -> list[tuple[datetime, datetime]]:
    """The whole weeks after the fix that have ended by `now`, at most `weeks` of them."""
    out = []
    for i in range(weeks):
        start = fixed_at + WEEK * i
        end = start + WEEK
        if end > now:
            break
        out.append((start, end))
    return out


def week_ok(week: Week, base_volume: float, base_rate: float | None, ratio: float) -> bool:
    limit = ratio / 100
    if week.volume <= base_volume * limit:
        return True
    rate = week.complaint_rate
    return bool(base_rate) and rate is not None and rate <= (base_rate or 0) * limit


def volume_check(
    weeks_seen: Sequence[Week], needed: int, base_volume: float | None, base_rate: float | None, ratio: float
) -> Check:
    if base_volume is None:
        return Check.NONE
    for week in weeks_seen:
        if not week_ok(week, base_volume, base_rate, ratio):
            return Check.FAIL
    return Check.PASS if len(weeks_seen) >= needed else Check.PENDING


def survey_check(scores: Sequence[int], surveyed: int, threshold: float) -> Check:
    if not surveyed:
        return Check.NONE
    if not scores:
        return Check.PENDING
    return Check.PASS if average(scores) >= threshold - 1e-9 else Check.FAIL  # type: ignore[operator]


def average(scores: Sequence[int]) -> float | None:
    return round(sum(scores) / len(scores), 2) if scores else None


def verified(volume: Check, survey: Check) -> bool:
    if volume == Check.PASS:
        return survey != Check.FAIL
    return volume == Check.NONE and survey == Check.PASS


def solve_rate(due: int, verified_count: int) -> float | None:
    return round(verified_count / due, 4) if due else None
