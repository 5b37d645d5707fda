"""Contact forecast per 30-minute interval (pure, numpy): weekly × intraday seasonality with a
recent-level factor, and China's statutory holidays.

Every day has a kind: its weekday (Mon=0 … Sun=6), 7 for a statutory holiday, and a make-up
workday (调休) counts as a Monday, as the SLA calendar works it. For a day to forecast:
- daily total = median of the last `weeks` same-kind totals × level factor, the level factor
  being the median ratio of the last 14 ordinary days to their own kind's median (clipped to
  0.7–1.4): a slow trend moves the forecast, a one-off spike does not;
- holidays: the median of the last holiday days' totals, else 60 % of a Sunday;
- intraday shape = the kind's share per interval over the same days, shrunk towards the
  shape of all days so a quiet slot is never a hard zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
import numpy as np
import numpy.typing as npt

SLOTS = 48  # 30-minute intervals per day
HOLIDAY = 7
KINDS = 8
DEFAULT_HOLIDAY_RATIO = 0.6
_HOLIDAYS = frozenset(chinese_calendar.holidays)
_WORKDAYS = frozenset(chinese_calendar.workdays)

Grid = npt.NDArray[np.float64]


def day_kind(day: date) -> int:
    if day in _HOLIDAYS:  # chinese-calendar lists the days of each statutory break only
        return HOLIDAY
    if day in _WORKDAYS and day.weekday() >= 5:
        return 0  # 调休: a make-up Saturday/Sunday works like a Monday
    return day.weekday()


def is_holiday(day: date) -> bool:
    return day_kind(day) == HOLIDAY


@dataclass(frozen=True)
class Model:
    totals: Grid  # (KINDS,) expected daily total per kind, level factor applied
    shapes: Grid  # (KINDS, SLOTS) share of the day per interval
    level: float

    def day(self, day: date) -> Grid:
        k = day_kind(day)
        return np.asarray(self.totals[k] * self.shapes[k], dtype=np.float64)


def fit(history: Grid, first_day: date, *, weeks: int = 6) -> Model:
    """`history[d, s]`: contacts on day first_day + d in slot s (local time)."""
    if history.ndim != 2 or history.shape[1] != SLOTS:
        raise ValueError("history must be (days, 48)")
    busy = np.flatnonzero(history.sum(axis=1) > 0)
    if busy.size:  # days before the first contact are "no data yet", not quiet days
        first_day += timedelta(days=int(busy[0]))
        history = history[busy[0] :]
    days = history.shape[0]
    kinds = np.array([day_kind(first_day + timedelta(days=d)) for d in range(days)])
    totals = history.sum(axis=1)
    overall = history.sum(axis=0)
    base_shape = overall / overall.sum() if overall.sum() > 0 else np.full(SLOTS, 1 / SLOTS)
    kind_total = np.zeros(KINDS)
    shapes = np.tile(base_shape, (KINDS, 1))
    for k in range(HOLIDAY):
        idx = np.flatnonzero(kinds == k)[-weeks:]
        if idx.size == 0:
            continue
        kind_total[k] = float(np.median(totals[idx]))
        counts = history[idx].sum(axis=0)
        prior = 2.0 * max(kind_total[k], 1.0)  # two days' worth of the common shape
        shapes[k] = (counts + prior * base_shape) / (counts.sum() + prior)
    ordinary = np.flatnonzero(kinds != HOLIDAY)
    recent = ordinary[-14:]
    ratios = [totals[d] / kind_total[kinds[d]] for d in recent if kind_total[kinds[d]] > 0]
    level = float(np.clip(np.median(ratios), 0.7, 1.4)) if ratios else 1.0
    hol = np.flatnonzero(kinds == HOLIDAY)[-weeks:]
    if hol.size:
        kind_total[HOLIDAY] = float(np.median(totals[hol]))
        counts = history[hol].sum(axis=0)
        prior = 2.0 * max(kind_total[HOLIDAY], 1.0)
        shapes[HOLIDAY] = (counts + prior * shapes[6]) / (counts.sum() + prior)
    else:
        kind_total[HOLIDAY] = DEFAULT_HOLIDAY_RATIO * kind_total[6]
        shapes[HOLIDAY] = shapes[6]
    return Model(totals=kind_total * level, shapes=shapes, level=level)


def forecast(history: Grid, first_day: date, start: date, days: int, *, weeks: int = 6) -> Grid:
    """(days, SLOTS) expected contacts from `start`, using only history before `start`."""
    usable = max(0, min(history.shape[0], (start - first_day).days))
    model = fit(history[:usable], first_day, weeks=weeks)
    return np.stack([model.day(start + timedelta(days=d)) for d in range(days)])


@dataclass(frozen=True)
class BacktestDay:
    day: date
    actual: float
    forecast: float

    @property
    def ape(self) -> float | None:
        return abs(self.forecast - self.actual) / self.actual if self.actual > 0 else None


def backtest(history: Grid, first_day: date, *, days: int = 28, horizon: int = 7) -> list[BacktestDay]:
    """Each of the last `days` days forecast from the history that ended `horizon` days
    before it (how the page is used: next week planned from this week)."""
    out: list[BacktestDay] = []
    total_days = history.shape[0]
    for d in range(max(horizon + 14, total_days - days), total_days):
        target = first_day + timedelta(days=d)
        cut = d - horizon + 1
        predicted = forecast(history[:cut], first_day, first_day + timedelta(days=cut), horizon)[-1]
        out.append(BacktestDay(target, float(history[d].sum()), float(predicted.sum())))
    return out


def mape(rows: list[BacktestDay]) -> float | None:
    errors = [r.ape for r in rows if r.ape is not None]
    return float(np.mean(errors)) if errors else None
