"""The business calendar against a brute-force minute-by-minute oracle, plus hand-checked
dates around China's holidays and make-up workdays (调休)."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.errors import Unprocessable
from kefu.sla.calendar import (
    add_business_minutes,
    business_minutes_between,
    cn_statutory_years,
    due_iso,
    parse_schedule,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def week(*spans: tuple[str, str], days: range = range(5)) -> list[dict[str, Any]]:
    return [{"weekday": d, "start": s, "end": e} for d in days for s, e in spans]


SPLIT = {  # split shifts with a lunch break, short Saturdays, statutory calendar
    "name": "split",
    "timezone": "Asia/Shanghai",
    "intervals": week(("09:00", "12:00"), ("13:30", "18:00")) + week(("10:00", "16:00"), days=range(5, 6)),
    "holidays": ["2025-06-09", "2026-03-03"],
    "workdays": ["2025-06-15"],
    "cn_statutory": True,
}
OFFICE = {
    "name": "office",
    "timezone": "Asia/Shanghai",
    "intervals": week(("09:00", "18:00")),
    "cn_statutory": True,
}
NIGHT = {"name": "24h", "timezone": "Asia/Shanghai", "intervals": week(("00:00", "24:00"), days=range(7))}
NEW_YORK = {
    "name": "ny",
    "timezone": "America/New_York",
    "intervals": week(("09:00", "12:00"), ("13:00", "17:00")),
}
BERLIN = {"name": "berlin", "timezone": "Europe/Berlin", "intervals": week(("08:00", "16:30"))}


class Oracle:
    """Walks wall-clock minutes, with its own reading of holidays and workdays."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.tz = ZoneInfo(data["timezone"])
        self.weekly: dict[int, list[tuple[int, int]]] = {d: [] for d in range(7)}
        for i in data["intervals"]:
            h1, m1 = map(int, i["start"].split(":"))
            h2, m2 = map(int, i["end"].split(":"))
            self.weekly[i["weekday"]].append((h1 * 60 + m1, h2 * 60 + m2))
        self.holidays = {date.fromisoformat(d) for d in data.get("holidays", [])}
        self.workdays = {date.fromisoformat(d) for d in data.get("workdays", [])}
        self.cn = data.get("cn_statutory", False)
        self.years = {d.year for d in chinese_calendar.holidays}

    def spans(self, day: date) -> list[tuple[int, int]]:
        if day in self.workdays:
            return self.weekly[day.weekday()] or self.weekly[0]
        if day in self.holidays:
            return []
        if self.cn and day.year in self.years:
            if day in chinese_calendar.holidays:
                return []
            if day in chinese_calendar.workdays:
                return self.weekly[day.weekday()] or self.weekly[0]
        return self.weekly[day.weekday()]

    def working(self, ts: float) -> bool:
        local = datetime.fromtimestamp(ts, self.tz)
        minute = local.hour * 60 + local.minute
        return any(s <= minute < e for s, e in self.spans(local.date()))

    def add(self, start: datetime, minutes: int) -> datetime:
        ts = start.timestamp()
        if minutes == 0:
            while not self.working(ts):
                ts += 60
            return datetime.fromtimestamp(ts, self.tz)
        count = 0
        while True:
            if self.working(ts):
                count += 1
                if count == minutes:
                    return datetime.fromtimestamp(ts + 60, self.tz)
            ts += 60

    def between(self, a: datetime, b: datetime) -> int:
        ts, end, n = a.timestamp(), b.timestamp(), 0
        while ts < end:
            n += self.working(ts)
            ts += 60
        return n


minute_instants = st.datetimes(min_value=datetime(2024, 12, 20), max_value=datetime(2027, 1, 10)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=ZoneInfo("UTC"))
)


class TestAgainstOracle:
    @settings(max_examples=120, deadline=None)
    @given(start=minute_instants, minutes=st.integers(min_value=0, max_value=3 * 450))
    def test_split_shifts_with_statutory_holidays(self, start: datetime, minutes: int) -> None:
        cal, oracle = parse_schedule(SPLIT), Oracle(SPLIT)
        assert add_business_minutes(cal, start, minutes) == oracle.add(start, minutes)

    @settings(max_examples=60, deadline=None)
    @given(start=minute_instants, span=st.integers(min_value=0, max_value=6 * 24 * 60))
    def test_minutes_between(self, start: datetime, span: int) -> None:
        cal, oracle = parse_schedule(SPLIT), Oracle(SPLIT)
        end = start + timedelta(minutes=span)
        assert business_minutes_between(cal, start, end) == oracle.between(start, end)

    @settings(max_examples=40, deadline=None)
    @given(
        start=st.datetimes(min_value=datetime(2025, 3, 1), max_value=datetime(2025, 11, 10)).map(
            lambda d: d.replace(second=0, microsecond=0, tzinfo=ZoneInfo("UTC"))
        ),
        minutes=st.integers(min_value=0, max_value=2000),
        which=st.sampled_from([NEW_YORK, BERLIN]),
    )
    def test_daylight_saving_zones(self, start: datetime, minutes: int, which: dict[str, Any]) -> None:
        assert add_business_minutes(parse_schedule(which), start, minutes) == Oracle(which).add(
            start, minutes
        )

    def test_add_then_between_round_trip(self) -> None:
        cal = parse_schedule(SPLIT)
        start = datetime(2026, 2, 10, 16, 45, 30, tzinfo=SHANGHAI)  # seconds too
        for minutes in (1, 30, 240, 2000):
            due = add_business_minutes(cal, start, minutes)
            assert business_minutes_between(cal, start, due) == pytest.approx(minutes)


class TestChineseHolidays:
    """Hand-checked against the State Council notices (as recorded by chinese-calendar)."""

    @pytest.mark.parametrize(
        ("start", "minutes", "due"),
        [
            # National Day 2025: 10/1–10/8 off; Sun 9/28 and Sat 10/11 are make-up workdays.
            ("2025-09-30T17:00:00+08:00", 120, "2025-10-09T10:00:00+08:00"),
            ("2025-09-26T17:30:00+08:00", 60, "2025-09-28T09:30:00+08:00"),  # Sunday 9/28 works Monday hours
            ("2025-10-10T17:00:00+08:00", 120, "2025-10-11T10:00:00+08:00"),  # Saturday 10/11 works
            # Spring Festival 2025: 1/28–2/4 off; Sun 1/26 and Sat 2/8 are make-up workdays.
            ("2025-01-24T17:00:00+08:00", 120, "2025-01-26T10:00:00+08:00"),
            ("2025-01-27T17:00:00+08:00", 120, "2025-02-05T10:00:00+08:00"),
            # Labour Day 2025: 5/1–5/5 off; Sun 4/27 is a make-up workday.
            ("2025-04-25T17:00:00+08:00", 120, "2025-04-27T10:00:00+08:00"),
            ("2025-04-30T16:00:00+08:00", 240, "2025-05-06T11:00:00+08:00"),
            # Spring Festival 2026: 2/15–2/23 off; Sun 2/14 and Sat 2/28 work.
            ("2026-02-13T17:00:00+08:00", 120, "2026-02-14T10:00:00+08:00"),
            ("2026-02-14T17:00:00+08:00", 120, "2026-02-24T10:00:00+08:00"),
        ],
    )
    def test_due_times_around_holidays(self, start: str, minutes: int, due: str) -> None:
        assert due_iso(OFFICE, start, minutes) == due

    def test_years_covered_by_the_statutory_data(self) -> None:
        years = cn_statutory_years()
        assert {2024, 2025, 2026} <= set(years)

    def test_unknown_years_fall_back_to_the_schedules_own_lists(self) -> None:
        year = max(cn_statutory_years()) + 1
        data = {**OFFICE, "holidays": [f"{year}-10-01"]}
        start = datetime(year, 9, 30, 17, 0, tzinfo=SHANGHAI)
        due = add_business_minutes(parse_schedule(data), start, 120)
        next_open = date(year, 10, 2)
        while next_open.weekday() >= 5:  # no statutory data: plain weekends
            next_open += timedelta(days=1)
        if date(year, 9, 30).weekday() >= 5:
            pytest.skip("9/30 is a weekend that year")
        assert due == datetime.combine(next_open, datetime.min.time(), SHANGHAI).replace(hour=10)

    def test_explicit_workday_beats_a_statutory_holiday(self) -> None:
        data = {**OFFICE, "workdays": ["2025-10-02"]}
        due = due_iso(data, "2025-09-30T17:00:00+08:00", 120)
        assert due == "2025-10-02T10:00:00+08:00"


class TestBadSchedules:
    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"intervals": [{"weekday": 0, "start": "10:00", "end": "09:00"}]}, "not after start"),
            (
                {
                    "intervals": [
                        {"weekday": 0, "start": "09:00", "end": "12:00"},
                        {"weekday": 0, "start": "11:00", "end": "13:00"},
                    ]
                },
                "overlapping",
            ),
            ({"intervals": [{"weekday": 7, "start": "09:00", "end": "12:00"}]}, "weekday"),
            ({"intervals": [{"weekday": 0, "start": "9am", "end": "12:00"}]}, "HH:MM"),
            ({"intervals": [{"weekday": 0, "start": "09:00", "end": "24:30"}]}, "HH:MM"),
            ({"timezone": "Mars/Olympus"}, "time zone"),
            ({"holidays": ["2025-13-01"]}, "YYYY-MM-DD"),
            ({"holidays": ["2025-10-09"], "workdays": ["2025-10-09"]}, "both"),
            ({"intervals": []}, "no working time"),
        ],
    )
    def test_clear_422(self, change: dict[str, Any], message: str) -> None:
        with pytest.raises(Unprocessable, match=message):
            parse_schedule({**OFFICE, **change})

    def test_schedule_whose_only_work_is_on_a_holiday_fails_fast_not_hangs(self) -> None:
        data = {
            "timezone": "Asia/Shanghai",
            "intervals": [{"weekday": 0, "start": "09:00", "end": "10:00"}],
            "holidays": [str(date(2026, 1, 5) + timedelta(weeks=w)) for w in range(600)],
        }
        cal = parse_schedule(data)
        started = time.monotonic()
        with pytest.raises(Unprocessable, match=r"working time|horizon"):
            add_business_minutes(cal, datetime(2026, 1, 1, tzinfo=SHANGHAI), 60 * 1000)
        assert time.monotonic() - started < 5

    def test_naive_start_is_refused(self) -> None:
        with pytest.raises(Unprocessable, match="offset"):
            add_business_minutes(parse_schedule(OFFICE), datetime(2025, 1, 1, 9), 30)


class TestEdges:
    def test_zero_minutes_inside_and_outside_working_time(self) -> None:
        cal = parse_schedule(OFFICE)
        inside = datetime(2025, 6, 10, 10, 0, 15, tzinfo=SHANGHAI)
        assert add_business_minutes(cal, inside, 0) == inside
        night = datetime(2025, 6, 10, 20, 0, tzinfo=SHANGHAI)
        assert add_business_minutes(cal, night, 0) == datetime(2025, 6, 11, 9, 0, tzinfo=SHANGHAI)

    def test_a_due_time_exactly_at_closing_stays_that_day(self) -> None:
        cal = parse_schedule(OFFICE)
        due = add_business_minutes(cal, datetime(2025, 6, 10, 17, 0, tzinfo=SHANGHAI), 60)
        assert due == datetime(2025, 6, 10, 18, 0, tzinfo=SHANGHAI)

    def test_round_the_clock_schedule_equals_calendar_time(self) -> None:
        cal = parse_schedule(NIGHT)
        start = datetime(2025, 12, 31, 23, 30, tzinfo=SHANGHAI)
        assert add_business_minutes(cal, start, 90) == start + timedelta(minutes=90)

    def test_year_boundary(self) -> None:
        cal = parse_schedule(OFFICE)  # 2026-01-01 is a holiday; 1/2 too (New Year 2026: 1/1–1/3)
        due = add_business_minutes(cal, datetime(2025, 12, 31, 17, 0, tzinfo=SHANGHAI), 120)
        assert due == Oracle(OFFICE).add(datetime(2025, 12, 31, 17, 0, tzinfo=SHANGHAI), 120)
