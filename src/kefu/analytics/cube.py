"""Summaries filtered by two or more slices at once (channel=chat and group=3, ...).

The daily rollups hold one `Stats` per single slice; a combination of filters matches none of
them, and reading every row of a year for it took 11-50 s at 1 M tickets. So each rolled-up
local day also stores:
- a rollup per *pair* of dims that had rows that day (dim "channel+group", key "email|3"),
  merged from the day's cells: two filters read one row a day, as one filter does;
- its rows counted per combination of all five dims (a *cell*), for three filters or more:
  the additive counters and sums as columns of `analytics_cells`, each histogram's exact whole
  seconds in `analytics_cell_values`, the agent's occupancy span of the day (one agent per
  cell). A range sums the matching cells in SQL (aggregate queries, however long the range)
  and rebuilds the `Stats` one raw pass would give: counters add up, histograms get the same
  values (so the same exact-or-bucketed percentiles), spans merge by min/max per agent and
  day. Counters or sums without a column go to `extra` and are merged in Python.

Each rolled-up day carries a marker rollup row (dim "cube"): a day without it (rolled up
before these existed) is read raw, as before.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.analytics.facts import Builder, Dims, Slice, Window
from kefu.analytics.metrics import DIMENSIONS, Hist, Stats
from kefu.models.analytics import (
    CELL_COUNTERS,
    CELL_DIMS,
    CELL_ORDER,
    CELL_SUMS,
    DailyRollup,
    analytics_cell_values,
    analytics_cells,
)

MARKER = ("cube", "")  # the rollup row that says a day's cells and pair rollups are stored
PAIRS = list(combinations(DIMENSIONS, 2))
KEY_LENGTH = 120  # analytics_daily.key
_COUNTERS = frozenset(CELL_COUNTERS)
_SUMS = frozenset(CELL_SUMS)
_DIM_OF = {col: dim for dim, col in CELL_DIMS.items()}


@dataclass
class CellStats(Stats):
    """A cell's `Stats` with every observed value kept exact (whole seconds -> count): the
    histogram of a range is rebuilt from them, never from a day's buckets."""

    values: dict[str, Counter[int]] = field(default_factory=dict)

    def observe(self, name: str, seconds: float) -> None:
        # Rounded as Hist.add rounds it.
        self.values.setdefault(name, Counter())[round(max(0.0, seconds))] += 1

    def stats(self) -> Stats:
        """As plain `Stats` (histograms exact up to 256 distinct values, as one pass has them)."""
        out = Stats(c=dict(self.c), s=dict(self.s), p={k: list(v) for k, v in self.p.items()})
        for name, counts in self.values.items():
            hist = out.h[name] = Hist()
            for value, n in counts.items():
                hist.add(value, n)
        return out


class CubeBuilder(Builder):
    """The Builder with one target per row: the cell of its dims."""

    def __init__(self) -> None:
        super().__init__(slices=False)
        self.cells: dict[Dims, CellStats] = {}

    def _targets(self, dims: Dims) -> list[Stats]:
        cell = self.cells.get(dims)
        if cell is None:
            cell = self.cells[dims] = CellStats()
        return [cell]

    def cube(self, w: Window, tz: ZoneInfo) -> dict[Dims, CellStats]:
        self.build(w, tz)
        return self.cells


def pair_slice(only: Mapping[str, str]) -> Slice | None:
    """The pair rollup of two filters ("channel+group", "email|3"), None if not storable."""
    if len(only) != 2 or any(dim not in DIMENSIONS for dim in only):
        return None
    a, b = sorted(only, key=DIMENSIONS.index)
    key = f"{only[a]}|{only[b]}"
    if "|" in only[a] or "|" in only[b] or len(key) > KEY_LENGTH:
        return None  # ambiguous or cut short: the cells answer it
    return f"{a}+{b}", key


def pair_rollups(cells: Mapping[Dims, CellStats]) -> dict[Slice, Stats]:
    """A day's rollup of every pair of dims that had rows, merged from its cells: what the
    Builder would count with two filters, so two filters read one row a day."""
    out: dict[Slice, Stats] = defaultdict(Stats)
    for dims, cell in cells.items():
        st = cell.stats()
        for a, b in PAIRS:
            slice_ = pair_slice({a: dims.get(a), b: dims.get(b)})
            if slice_ is not None:
                out[slice_].merge(st)
    return dict(out)


def cell_rows(
    day: date, cells: Mapping[Dims, CellStats]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows of `analytics_cells` and `analytics_cell_values` for one day's cells, in
    `CELL_ORDER` (the order they are inserted in, so they sit in the table in it)."""
    rows: list[dict[str, Any]] = []
    values: list[dict[str, Any]] = []
    for dims, st in sorted(cells.items(), key=lambda item: _order(item[0])):
        key = {"day": day, **{col: dims.get(dim) for dim, col in CELL_DIMS.items()}}
        extra = Stats(
            c={k: v for k, v in st.c.items() if k not in _COUNTERS},
            s={k: v for k, v in st.s.items() if k not in _SUMS},
        )
        row: dict[str, Any] = {
            **key,
            **{f"c_{k}": st.c.get(k, 0) for k in CELL_COUNTERS},
            **{f"s_{k}": st.s.get(k, 0.0) for k in CELL_SUMS},
            "span_lo": None,
            "span_hi": None,
            "span_cap": None,
        }
        spans = list(st.p.items())
        if len(spans) == 1 and spans[0][0] == f"{dims.agent}|{day.isoformat()}":
            lo, hi, cap = spans[0][1]
            row.update(span_lo=lo, span_hi=hi, span_cap=int(cap))
        elif spans:
            extra.p = dict(st.p)  # not just the cell's own agent-day: merged in Python
        row["extra"] = extra.to_json() if extra.c or extra.s or extra.p else None
        rows.append(row)
        values.extend(
            {**key, "metric": metric, "value": v, "n": n}
            for metric, counts in st.values.items()
            for v, n in counts.items()
        )
    return rows, values


def _order(dims: Dims) -> tuple[str, ...]:
    return tuple(dims.get(_DIM_OF[col]) for col in CELL_ORDER)


async def replace_cells(session: AsyncSession, day: date, cells: Mapping[Dims, CellStats]) -> None:
    for table in (analytics_cells, analytics_cell_values):
        await session.execute(sa.delete(table).where(table.c.day == day))
    rows, values = cell_rows(day, cells)
    if rows:
        await session.execute(sa.insert(analytics_cells), rows)
    if values:
        await session.execute(sa.insert(analytics_cell_values), values)


async def cube_days(session: AsyncSession, first: date, last: date) -> set[date]:
    """Days in [first, last] whose cells are stored."""
    stmt = sa.select(DailyRollup.day).where(
        DailyRollup.dim == MARKER[0], DailyRollup.day >= first, DailyRollup.day <= last
    )
    return {r[0] for r in (await session.execute(stmt)).all()}


def _where(table: sa.Table, only: Mapping[str, str], first: date, last: date) -> list[Any]:
    # The exact filter of the Builder: every filtered dim equal to its key.
    return [
        table.c.day >= first,
        table.c.day <= last,
        *(table.c[CELL_DIMS[dim]] == key for dim, key in only.items()),
    ]


async def cube_stats(session: AsyncSession, only: Mapping[str, str], first: date, last: date) -> Stats:
    """The `Stats` of the cells in days [first, last] that match `only` (every dim in
    `only` must be a slice dimension)."""
    c = analytics_cells.c
    where = _where(analytics_cells, only, first, last)
    names = [*(f"c_{k}" for k in CELL_COUNTERS), *(f"s_{k}" for k in CELL_SUMS)]
    # One scan of the cells: totals per agent and day, with the agent's span that day.
    per_agent_day = (
        sa.select(
            c.agent,
            c.day,
            sa.func.min(c.span_lo),
            sa.func.max(c.span_hi),
            sa.func.max(c.span_cap),
            sa.func.count(c.extra),
            *(sa.func.sum(c[n]) for n in names),
        )
        .where(*where)
        .group_by(c.agent, c.day)
    )
    totals: dict[str, float] = dict.fromkeys(names, 0)
    extras = 0
    st = Stats()
    for agent, day, lo, hi, cap, n_extra, *sums in (await session.execute(per_agent_day)).all():
        for name, total in zip(names, sums, strict=True):
            totals[name] += total or 0
        if lo is not None:
            st.span(f"{agent}|{day.isoformat()}", float(lo), float(hi), int(cap))
        extras += n_extra
    for name, total in totals.items():
        if total:
            if name.startswith("c_"):
                st.c[name[2:]] = int(total)
            else:
                st.s[name[2:]] = float(total)
    v = analytics_cell_values.c
    hist = (
        sa.select(v.metric, v.value, sa.func.sum(v.n))
        .where(*_where(analytics_cell_values, only, first, last))
        .group_by(v.metric, v.value)
    )
    for metric, value, n in (await session.execute(hist)).all():
        h = st.h.get(metric)
        if h is None:
            h = st.h[metric] = Hist()
        h.add(float(value), int(n))  # past 256 distinct values: the same buckets as one pass
    if extras:
        for (extra,) in (await session.execute(sa.select(c.extra).where(*where, c.extra.is_not(None)))).all():
            st.merge(Stats.from_json(extra))
    return st.fold_spans()
