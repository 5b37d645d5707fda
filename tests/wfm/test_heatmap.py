"""The WFM heat map: only opening hours, closed demand counted apart, one line per action."""

from __future__ import annotations

from datetime import date, timedelta

from kefu.wfm.heatmap import Slot, build, hhmm

MONDAY = date(2026, 12, 7)
WEEK = [MONDAY + timedelta(days=d) for d in range(7)]
# Weekdays 09:00–12:00 and 13:30–18:00; Saturday 10:00–16:00; Sunday closed.
OFFICE = ((540, 720), (810, 1080))
OPENING = {d: (OFFICE if d.weekday() < 5 else ((600, 960),) if d.weekday() == 5 else ()) for d in WEEK}


def _week(required: int, scheduled: int, volume: float = 4.0) -> list[Slot]:
    return [Slot(d, m, volume, required, scheduled) for d in WEEK for m in range(0, 1440, 30)]


class TestColumns:
    def test_only_half_hours_open_on_some_day_are_columns(self) -> None:
        hm = build(_week(2, 2), OPENING)
        assert hm.minutes[0] == 540 and hm.minutes[-1] == 1050  # 09:00 … 17:30
        assert len(hm.minutes) == (1080 - 540) // 30
        # 7 rows, each with a cell per column; lunch and Sunday are shown closed.
        assert [d for d, _ in hm.rows] == WEEK
        monday = dict((c.slot.minute, c) for c in hm.rows[0][1])
        assert monday[720].level == "closed" and monday[540].level == "ok"
        assert all(c.level == "closed" for c in hm.rows[6][1])

    def test_without_a_schedule_the_busy_hours_are_shown(self) -> None:
        slots = [
            Slot(MONDAY, m, 3.0 if 480 <= m < 600 else 0.0, 1 if 480 <= m < 600 else 0, 0)
            for m in range(0, 1440, 30)
        ]
        hm = build(slots, None)
        assert hm.minutes == [480, 510, 540, 570]


class TestSummary:
    def test_shortage_in_open_hours_only_and_closed_demand_apart(self) -> None:
        hm = build(_week(required=3, scheduled=1), OPENING)
        open_slots = 5 * 15 + 12  # weekdays 7.5 h, Saturday 6 h
        assert hm.short_slots == open_slots
        assert hm.short_agent_hours == open_slots * 2 * 0.5
        assert hm.closed_volume == (7 * 48 - open_slots) * 4.0
        assert hm.peak_required == 3

    def test_the_same_run_on_several_days_is_one_action(self) -> None:
        hm = build(_week(required=3, scheduled=1), OPENING)
        afternoon = next(a for a in hm.actions if a.start == 810)
        assert afternoon.kind == "add" and afternoon.agents == 2
        assert afternoon.days == tuple(WEEK[:5]) and (hhmm(afternoon.start), hhmm(afternoon.end)) == (
            "13:30",
            "18:00",
        )
        assert afternoon.agent_hours == 5 * 9 * 2 * 0.5
        # Largest first: the weekday afternoons (45 agent-hours) before the mornings (30).
        assert hm.actions[0] is afternoon

    def test_surplus_is_offered_as_spare_capacity(self) -> None:
        slots = _week(required=2, scheduled=2)
        slots = [
            Slot(
                s.day,
                s.minute,
                s.volume,
                s.required,
                6 if s.day == MONDAY and s.minute >= 810 else s.scheduled,
            )
            for s in slots
        ]
        hm = build(slots, OPENING)
        assert hm.short_slots == 0
        [spare] = [a for a in hm.actions if a.kind == "spare"]
        assert spare.days == (MONDAY,) and spare.agents == 4 and spare.start == 810
