"""Time windows in the display time zone: parse a requested range, split it into whole local
days (read from rollups) and partial stretches (computed live). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kefu.errors import Unprocessable
from kefu.kit.schemas import MAX_YEAR, MIN_YEAR

MAX_RANGE_DAYS = 731  # two years (a leap year included)


def parse_instant(value: str, tz: ZoneInfo, *, end: bool, name: str) -> datetime:
    """ISO 8601 instant; a bare date means local midnight (the end of that day for `to`);
    a time without offset is local time."""
    raw = value.strip()
    if not raw:
        raise Unprocessable(f"{name} is required (ISO 8601)", code="invalid_range")
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            _check_year(day, name)
            if end:
                day += timedelta(days=1)
            return datetime.combine(day, time(), tz).astimezone(UTC)
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Unprocessable(
            f"{name} is not an ISO 8601 date or time: {value[:40]!r}", code="invalid_range"
        ) from exc
    _check_year(parsed.date(), name)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed.astimezone(UTC)


def _check_year(day: date, name: str) -> None:
    """Years 0001 and 9999 overflow once shifted by a time zone or a day: a 422, not a 500."""
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise Unprocessable(
            f"{name}: the year must be between {MIN_YEAR} and {MAX_YEAR}", code="invalid_range"
        )


def check_range(start: datetime, end: datetime) -> None:
    if end <= start:
        raise Unprocessable("`to` must be after `from`", code="invalid_range")
    if end - start > timedelta(days=MAX_RANGE_DAYS):
        raise Unprocessable(
            f"the range is longer than {MAX_RANGE_DAYS} days; ask for a shorter one", code="range_too_long"
        )


def day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tz).astimezone(UTC)


def local_day(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()


@dataclass(frozen=True)
class Plan:
    days: list[date]  # whole local days inside the range
    partial: list[tuple[datetime, datetime]]  # stretches before the first / after the last day


def plan(start: datetime, end: datetime, tz: ZoneInfo) -> Plan:
    first = local_day(start, tz)
    if day_start(first, tz) < start:
        first += timedelta(days=1)
    last_excl = local_day(end, tz)
    days: list[date] = []
    d = first
    while day_start(d + timedelta(days=1), tz) <= end and d < last_excl + timedelta(days=1):
        days.append(d)
        d += timedelta(days=1)
    partial: list[tuple[datetime, datetime]] = []
    if not days:
        return Plan([], [(start, end)])
    head_end = day_start(days[0], tz)
    if start < head_end:
        partial.append((start, head_end))
    tail_start = day_start(days[-1] + timedelta(days=1), tz)
    if tail_start < end:
        partial.append((tail_start, end))
    return Plan(days, partial)


def hours(day: date, tz: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The local day as hour buckets from its local midnight: 23 or 25 on a DST change, the
    last one shorter where a day is not whole hours; they nest in the day whatever the zone."""
    start, end = day_start(day, tz), day_start(day + timedelta(days=1), tz)
    out: list[tuple[datetime, datetime]] = []
    while start < end:
        out.append((start, min(end, start + timedelta(hours=1))))
        start = out[-1][1]
    return out


def merge_stretches(stretches: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    out: list[tuple[datetime, datetime]] = []
    for a, b in sorted(stretches):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


@dataclass(frozen=True)
class MonthPeriods:
    """A month (or its part so far) and the equal stretch of the month before it."""

    start: datetime
    end: datetime
    before_start: datetime
    before_end: datetime
    to_date: bool  # the month is still running: `end` is now, not the month's end


def month_periods(first: date, now: datetime, tz: ZoneInfo) -> MonthPeriods:
    """The month starting `first` against the previous month, compared like for like.

    A finished month is compared with the whole previous month. A running month is
    compared up to now with the same days and hours of the previous month (2 December
    10:00 → 1 November 00:00–2 November 10:00), never 2 days with a full month; a previous
    month shorter than the elapsed part is taken whole (31 March vs all of February).
    """
    nxt = (first + timedelta(days=32)).replace(day=1)
    prev = (first - timedelta(days=1)).replace(day=1)
    start, end, before_start = day_start(first, tz), day_start(nxt, tz), day_start(prev, tz)
    if not start < now < end:
        return MonthPeriods(start, end, before_start, start, to_date=False)
    local = now.astimezone(tz)
    elapsed_days = local.date() - first
    same_day = prev + elapsed_days
    if same_day >= first:  # the previous month has no such day
        before_end = start
    else:
        before_end = datetime.combine(same_day, local.time().replace(tzinfo=None), tz).astimezone(UTC)
    return MonthPeriods(start, now, before_start, before_end, to_date=True)
