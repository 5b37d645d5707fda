"""The staffing plan as a planner reads it: days × half-hours within opening hours, and a
short list of what to do (add people where the plan is short, move them where it is long).

Pure: the page turns the service's intervals and the opening hours into this, a test feeds
it numbers directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

Opening = Mapping[date, Sequence[tuple[int, int]]]  # local day -> ((start_min, end_min), ...)


@dataclass(frozen=True)
class Slot:
    """One half-hour of demand and staffing (local day and minute of day)."""

    day: date
    minute: int
    volume: float  # forecast contacts in the slot
    required: int  # agents needed (after shrinkage and margin)
    scheduled: int  # agents on shift

    @property
    def gap(self) -> int:
        return self.scheduled - self.required


@dataclass(frozen=True)
class Cell:
    slot: Slot
    open: bool

    @property
    def level(self) -> str:
        """Colour class: short (red), tight (exactly staffed, busy), spare, idle, closed."""
        if not self.open:
            return "closed"
        if self.slot.gap < 0:
            return "short"
        if self.slot.required == 0:
            return "idle"
        if self.slot.gap > max(1, self.slot.required // 4):
            return "spare"
        return "ok"


@dataclass(frozen=True)
class Action:
    """A run of consecutive open slots that are short (add) or over (spare), on one or more
    days with the very same run (Monday to Friday 13:30–18:00 is one line, not five)."""

    kind: str  # "add" | "spare"
    days: tuple[date, ...]
    start: int  # minute of day
    end: int  # minute of day, exclusive
    agents: int  # the largest shortfall / surplus in the run
    agent_hours: float  # the sum over the run and its days


@dataclass
class HeatMap:
    minutes: list[int]  # columns: minute of day of each half-hour shown
    rows: list[tuple[date, list[Cell]]]
    actions: list[Action] = field(default_factory=list)
    short_slots: int = 0
    short_agent_hours: float = 0.0
    closed_volume: float = 0.0  # forecast contacts while closed (answered when it opens)
    peak_required: int = 0


def _is_open(opening: Opening | None, day: date, minute: int, width: int) -> bool:
    if opening is None:
        return True
    return any(a <= minute and minute + width <= b for a, b in opening.get(day, ()))


def build(slots: Sequence[Slot], opening: Opening | None, width: int = 30, top: int = 6) -> HeatMap:
    """Columns are the half-hours open on at least one day (all with demand or staff when
    there is no schedule); closed half-hours inside that span stay visible but grey."""
    cells = [Cell(s, _is_open(opening, s.day, s.minute, width)) for s in slots]
    if opening is None:
        shown = {c.slot.minute for c in cells if c.slot.volume > 0 or c.slot.required or c.slot.scheduled}
    else:
        shown = {c.slot.minute for c in cells if c.open}
    minutes = list(range(min(shown), max(shown) + width, width)) if shown else []
    by_day: dict[date, dict[int, Cell]] = {}
    for c in cells:
        by_day.setdefault(c.slot.day, {})[c.slot.minute] = c
    rows = [(day, [row[m] for m in minutes if m in row]) for day, row in sorted(by_day.items())]
    hm = HeatMap(minutes=minutes, rows=rows)
    open_cells = [c for c in cells if c.open]
    hm.closed_volume = round(sum(c.slot.volume for c in cells if not c.open), 1)
    hm.short_slots = sum(1 for c in open_cells if c.slot.gap < 0)
    hm.short_agent_hours = sum(-c.slot.gap for c in open_cells if c.slot.gap < 0) * width / 60
    hm.peak_required = max((c.slot.required for c in open_cells), default=0)
    hm.actions = _actions(rows, width, top)
    return hm


def _actions(rows: list[tuple[date, list[Cell]]], width: int, top: int) -> list[Action]:
    runs: dict[tuple[str, int, int, int], list[tuple[date, float]]] = {}
    for day, cells in rows:
        for kind, level in (("add", "short"), ("spare", "spare")):
            run: list[Cell] = []
            for c in [*cells, None]:
                follows = not run or (c is not None and c.slot.minute == run[-1].slot.minute + width)
                if c is not None and c.level == level and follows:
                    run.append(c)
                    continue
                if run:
                    gaps = [abs(x.slot.gap) for x in run]
                    key = (kind, run[0].slot.minute, run[-1].slot.minute + width, max(gaps))
                    runs.setdefault(key, []).append((day, sum(gaps) * width / 60))
                run = [c] if c is not None and c.level == level else []
    actions = [
        Action(kind, tuple(d for d, _ in found), start, end, agents, sum(h for _, h in found))
        for (kind, start, end, agents), found in runs.items()
    ]
    order = sorted(actions, key=lambda a: (-a.agent_hours, a.days[0], a.start))
    return [a for a in order if a.kind == "add"][:top] + [a for a in order if a.kind == "spare"][:2]


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
