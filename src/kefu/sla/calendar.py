"""Business calendar (pure): add business minutes to an instant, count them between two.

A schedule is weekly wall-clock intervals in a time zone (several per day: split shifts,
lunch breaks), minus holidays, plus extra workdays; with `cn_statutory` mainland China's
statutory holidays and make-up workdays (调休) from chinese-calendar are applied, and years
it does not know fall back to the schedule's own lists. A workday on a day without intervals
(a make-up Saturday) works Monday's intervals. Explicit holidays/workdays win over statutory
data.

Speed: working time is laid out once per year as UTC segments with a running total of
business seconds at each local midnight, so a due time is two binary searches and a walk
over at most a handful of segments, whatever the target. Wall-clock boundaries inside a DST
gap start at the end of the gap; an hour repeated by DST counts once.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar

from kefu.errors import Unprocessable

HORIZON_YEARS = 10
_TIME = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
_STATUTORY_HOLIDAYS: frozenset[date] = frozenset(chinese_calendar.holidays)
_STATUTORY_WORKDAYS: frozenset[date] = frozenset(chinese_calendar.workdays)
_STATUTORY_YEARS: frozenset[int] = frozenset(d.year for d in _STATUTORY_HOLIDAYS)


def cn_statutory_years() -> list[int]:
    """Years for which mainland China's holiday and make-up-workday data is known."""
    return sorted(_STATUTORY_YEARS)


def _minutes(value: object, where: str) -> int:
    m = _TIME.match(str(value))
    if not m or (m.group(1) == "24" and m.group(2) != "00"):
        raise Unprocessable(
            f"{where}: time must be HH:MM (00:00–24:00), got {value!r}", code="invalid_schedule"
        )
    return int(m.group(1)) * 60 + int(m.group(2))


def _date(value: object, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise Unprocessable(
            f"{where}: date must be YYYY-MM-DD, got {value!r}", code="invalid_schedule"
        ) from exc


@dataclass
class _Timeline:
    """Working segments laid out day by day from `first_day` (built lazily by years)."""

    first_day: date
    day_starts: list[float] = field(default_factory=list)  # UTC ts of each local midnight (+1 sentinel)
    segments: list[tuple[tuple[float, float], ...]] = field(default_factory=list)
    cum: list[float] = field(default_factory=lambda: [0.0])  # business seconds before each day


@dataclass
class BusinessCalendar:
    name: str
    tz: ZoneInfo
    weekly: tuple[tuple[tuple[int, int], ...], ...]  # weekday -> ((start_min, end_min), ...)
    holidays: frozenset[date]
    workdays: frozenset[date]
    cn_statutory: bool
    _timeline: _Timeline | None = field(default=None, repr=False, compare=False)

    # --- which days work ------------------------------------------------------------------
    def intervals_on(self, day: date) -> tuple[tuple[int, int], ...]:
        """Working wall-clock intervals (minutes of day) on a local date."""
        if day in self.workdays:
            return self.weekly[day.weekday()] or self.weekly[0]
        if day in self.holidays:
            return ()
        if self.cn_statutory and day.year in _STATUTORY_YEARS:
            if day in _STATUTORY_HOLIDAYS:
                return ()
            if day in _STATUTORY_WORKDAYS:
                return self.weekly[day.weekday()] or self.weekly[0]
        return self.weekly[day.weekday()]

    def _local_ts(self, day: date, minute: int) -> float:
        """UTC timestamp of a wall-clock minute; inside a DST gap, the instant the clock
        resumes (the first instant whose wall time is at or after it)."""
        wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
        aware = wall.replace(tzinfo=self.tz)
        ts = aware.timestamp()
        if datetime.fromtimestamp(ts, self.tz).replace(tzinfo=None) == wall:
            return ts
        lo, hi = sorted((int(aware.replace(fold=1).timestamp()), int(aware.replace(fold=0).timestamp())))
        while lo < hi:
            mid = (lo + hi) // 2
            if datetime.fromtimestamp(mid, self.tz).replace(tzinfo=None) >= wall:
                hi = mid
            else:
                lo = mid + 1
        return float(lo)

    # --- the timeline ---------------------------------------------------------------------
    def _tl(self, around: float) -> _Timeline:
        if self._timeline is None:
            start_day = datetime.fromtimestamp(around, self.tz).date().replace(month=1, day=1) - timedelta(
                days=1
            )
            self._timeline = _Timeline(first_day=start_day)
            self._extend(self._timeline, 400)
        return self._timeline

    def _extend(self, tl: _Timeline, days: int) -> None:
        n = len(tl.segments)
        if not tl.day_starts:
            tl.day_starts.append(self._local_ts(tl.first_day, 0))
        for k in range(n, n + days):
            day = tl.first_day + timedelta(days=k)
            segs = tuple(
                (a, b)
                for s, e in self.intervals_on(day)
                if (a := self._local_ts(day, s)) < (b := self._local_ts(day, e))
            )
            tl.segments.append(segs)
            tl.cum.append(tl.cum[-1] + sum(b - a for a, b in segs))
            tl.day_starts.append(self._local_ts(day + timedelta(days=1), 0))

    def _day_index(self, ts: float) -> int:
        tl = self._tl(ts)
        if ts < tl.day_starts[0]:
            self._rebase(ts)
            tl = self._tl(ts)
        limit = HORIZON_YEARS * 366 + 800
        while ts >= tl.day_starts[-1]:
            if len(tl.segments) > limit:
                raise Unprocessable(
                    "instant is too far in the future for this schedule", code="beyond_horizon"
                )
            self._extend(tl, 366)
        return bisect.bisect_right(tl.day_starts, ts) - 1

    def _rebase(self, ts: float) -> None:
        self._timeline = None
        self._tl(ts)

    def _elapsed_in_day(self, i: int, ts: float) -> float:
        total = 0.0
        for a, b in self._tl(ts).segments[i]:
            if ts <= a:
                break
            total += min(ts, b) - a
        return total

    def business_seconds_at(self, ts: float) -> float:
        i = self._day_index(ts)
        return self._tl(ts).cum[i] + self._elapsed_in_day(i, ts)

    def next_working_instant(self, ts: float) -> float:
        i = self._day_index(ts)
        tl = self._tl(ts)
        limit = i + HORIZON_YEARS * 366
        while i < limit:
            while i >= len(tl.segments):
                self._extend(tl, 366)
            for a, b in tl.segments[i]:
                if ts < b:
                    return max(a, ts)
            i += 1
        raise Unprocessable(
            "no working time within the next 10 years in this schedule", code="no_working_time"
        )

    def add_seconds(self, ts: float, seconds: float) -> float:
        if seconds <= 0:
            return self.next_working_instant(ts)
        target = self.business_seconds_at(ts) + seconds
        tl = self._tl(ts)
        limit = HORIZON_YEARS * 366 + 800
        while target > tl.cum[-1]:
            if len(tl.segments) > limit:
                raise Unprocessable(
                    "the due time lies beyond the 10-year horizon: the schedule has (almost) no working time",
                    code="no_working_time",
                )
            self._extend(tl, 366)
        j = bisect.bisect_left(tl.cum, target) - 1
        remaining = target - tl.cum[j]
        for a, b in tl.segments[j]:
            if remaining <= b - a:
                return a + remaining
            remaining -= b - a
        return tl.segments[j][-1][1]  # float rounding at the very end of a day


_HOLIDAY_ZH = {h.value: h.chinese for h in chinese_calendar.constants.Holiday}


@dataclass(frozen=True)
class DayPlan:
    """One local day of a schedule, for people: why it works or rests and when."""

    day: date
    kind: str  # workday | rest | holiday | statutory_holiday | makeup_workday | extra_workday
    intervals: tuple[tuple[int, int], ...]
    holiday_name: str = ""  # Chinese name of a statutory holiday (节日名)


def day_plans(cal: BusinessCalendar, start: date, days: int) -> list[DayPlan]:
    """The next `days` days from `start` (the admin's 调休 preview)."""
    out = []
    for k in range(days):
        day = start + timedelta(days=k)
        spans = cal.intervals_on(day)
        statutory = cal.cn_statutory and day.year in _STATUTORY_YEARS
        name = ""
        if day in cal.workdays:
            kind = "extra_workday"
        elif day in cal.holidays:
            kind = "holiday"
        elif statutory and day in _STATUTORY_HOLIDAYS:
            kind = "statutory_holiday"
            name = _HOLIDAY_ZH.get(str(chinese_calendar.holidays.get(day, "")), "")
        elif statutory and day in _STATUTORY_WORKDAYS:
            kind = "makeup_workday"
            name = _HOLIDAY_ZH.get(str(chinese_calendar.workdays.get(day, "")), "")
        else:
            kind = "workday" if spans else "rest"
        out.append(DayPlan(day, kind, spans, name))
    return out


def parse_schedule(data: Mapping[str, Any]) -> BusinessCalendar:
    """A calendar from the schedules-API JSON, or Unprocessable naming what is wrong."""
    tz_name = str(data.get("timezone") or "Asia/Shanghai")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Unprocessable(f"unknown time zone {tz_name!r}", code="invalid_schedule") from exc
    raw_intervals = data.get("intervals") or []
    if not isinstance(raw_intervals, Sequence) or isinstance(raw_intervals, str):
        raise Unprocessable("intervals must be a list", code="invalid_schedule")
    weekly: list[list[tuple[int, int]]] = [[] for _ in range(7)]
    for n, item in enumerate(raw_intervals):
        where = f"intervals[{n}]"
        if not isinstance(item, Mapping):
            raise Unprocessable(f"{where} must be an object", code="invalid_schedule")
        weekday = item.get("weekday")
        if not isinstance(weekday, int) or isinstance(weekday, bool) or not 0 <= weekday <= 6:
            raise Unprocessable(f"{where}.weekday must be 0 (Monday) to 6 (Sunday)", code="invalid_schedule")
        start, end = _minutes(item.get("start"), f"{where}.start"), _minutes(item.get("end"), f"{where}.end")
        if end <= start:
            raise Unprocessable(
                f"{where}: end {item.get('end')} is not after start {item.get('start')}",
                code="invalid_schedule",
            )
        weekly[weekday].append((start, end))
    for weekday, spans in enumerate(weekly):
        spans.sort()
        for (s1, e1), (s2, _e2) in itertools.pairwise(spans):
            if s2 < e1:
                raise Unprocessable(
                    f"overlapping intervals on weekday {weekday}: {s1 // 60:02d}:{s1 % 60:02d}–"
                    f"{e1 // 60:02d}:{e1 % 60:02d} and one starting {s2 // 60:02d}:{s2 % 60:02d}",
                    code="invalid_schedule",
                )
    holidays = frozenset(_date(v, f"holidays[{n}]") for n, v in enumerate(data.get("holidays") or []))
    workdays = frozenset(_date(v, f"workdays[{n}]") for n, v in enumerate(data.get("workdays") or []))
    both = holidays & workdays
    if both:
        raise Unprocessable(
            f"{min(both)} is listed both as a holiday and as a workday", code="invalid_schedule"
        )
    cal = BusinessCalendar(
        name=str(data.get("name") or ""),
        tz=tz,
        weekly=tuple(tuple(spans) for spans in weekly),
        holidays=holidays,
        workdays=workdays,
        cn_statutory=bool(data.get("cn_statutory", False)),
    )
    if not any(cal.weekly):
        raise Unprocessable("the schedule has no working time at all (no intervals)", code="no_working_time")
    return cal


def _aware(start: datetime) -> float:
    if start.tzinfo is None or start.utcoffset() is None:
        raise Unprocessable("start must include a UTC offset (timezone-aware)", code="naive_datetime")
    return start.timestamp()


def add_business_minutes(cal: BusinessCalendar, start: datetime, minutes: float) -> datetime:
    """The instant `minutes` business minutes after `start`, in the schedule's zone. The clock
    starts at once inside working time, else at the next opening; 0 minutes gives that
    starting instant."""
    if minutes < 0:
        raise Unprocessable("minutes must not be negative", code="invalid_minutes")
    return datetime.fromtimestamp(cal.add_seconds(_aware(start), minutes * 60), cal.tz)


def business_minutes_between(cal: BusinessCalendar, a: datetime, b: datetime) -> float:
    """Business minutes in [a, b) (0 when b is not after a)."""
    ta, tb = _aware(a), _aware(b)
    if tb <= ta:
        return 0.0
    # The earlier instant first: if it lies before the laid-out timeline, the timeline is
    # rebuilt from there, and both totals must come from the same timeline.
    before = cal.business_seconds_at(ta)
    return (cal.business_seconds_at(tb) - before) / 60


def due_iso(schedule: Mapping[str, Any], start_iso: str, minutes: int) -> str:
    """`kefu sla due`: ISO 8601 due time with offset."""
    try:
        start = datetime.fromisoformat(start_iso)
    except ValueError as exc:
        raise Unprocessable(f"start is not ISO 8601: {start_iso!r}", code="invalid_start") from exc
    due = add_business_minutes(parse_schedule(schedule), start, minutes)
    return due.isoformat()
