"""The admin's 30-day preview of a schedule: public holidays, 调休 make-up workdays, own days."""

from __future__ import annotations

from datetime import date

from kefu.sla.calendar import day_plans, parse_schedule

OFFICE = {
    "name": "工作时间",
    "timezone": "Asia/Shanghai",
    "cn_statutory": True,
    "intervals": [{"weekday": d, "start": "09:00", "end": "18:00"} for d in range(5)],
    "holidays": ["2026-12-31"],
    "workdays": ["2026-12-27"],
}


class TestDayPlans:
    def test_national_day_and_its_make_up_saturday(self) -> None:
        plans = {p.day: p for p in day_plans(parse_schedule(OFFICE), date(2026, 9, 28), 20)}
        assert plans[date(2026, 10, 1)].kind == "statutory_holiday"
        assert plans[date(2026, 10, 1)].holiday_name == "国庆节"
        assert plans[date(2026, 10, 1)].intervals == ()
        makeup = [p for p in plans.values() if p.kind == "makeup_workday"]
        assert makeup and all(p.day.weekday() >= 5 for p in makeup)
        assert all(p.intervals == ((540, 1080),) for p in makeup)  # Monday's hours
        assert plans[date(2026, 9, 28)].kind == "workday"

    def test_own_holidays_and_extra_workdays_win(self) -> None:
        plans = {p.day: p for p in day_plans(parse_schedule(OFFICE), date(2026, 12, 26), 7)}
        assert plans[date(2026, 12, 26)].kind == "rest"
        assert plans[date(2026, 12, 27)].kind == "extra_workday"
        assert plans[date(2026, 12, 27)].intervals == ((540, 1080),)
        assert plans[date(2026, 12, 31)].kind == "holiday"

    def test_without_statutory_data_public_holidays_are_workdays(self) -> None:
        cal = parse_schedule({**OFFICE, "cn_statutory": False, "holidays": [], "workdays": []})
        assert day_plans(cal, date(2026, 10, 1), 1)[0].kind == "workday"
