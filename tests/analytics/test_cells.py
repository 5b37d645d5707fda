"""How the cells (three filters or more) are stored: every such filter has an index that tests
all its dims, and a day's cells are written in one order so matching rows sit together."""

from __future__ import annotations

from datetime import date
from itertools import combinations

from kefu.analytics.cube import CellStats, cell_rows
from kefu.analytics.facts import Dims
from kefu.models.analytics import CELL_DIMS, CELL_INDEXED, CELL_ORDER, analytics_cell_values, analytics_cells


def test_any_three_filters_lead_one_index_that_holds_every_dim() -> None:
    columns = set(CELL_DIMS.values())
    assert set(CELL_ORDER) == columns
    for table in (analytics_cells, analytics_cell_values):
        leading = {}
        for index in table.indexes:
            cols = [c.name for c in index.columns]
            if cols[1:2] == ["day"]:
                leading[cols[0]] = set(cols)
        assert set(leading) == set(CELL_INDEXED), table.name
        for col, held in leading.items():
            assert held == columns | {"day"}, (table.name, col)  # the others tested in the index
        for n in range(3, len(columns) + 1):
            for combo in combinations(columns, n):
                assert set(combo) & set(leading), (table.name, combo)


def test_a_days_cells_are_written_sorted_by_the_low_cardinality_dims_first() -> None:
    cells: dict[Dims, CellStats] = {}
    for agent, group, channel, tier in [
        ("9", "2", "web", "mid"),
        ("1", "1", "web", "high"),
        ("3", "1", "chat", "mid"),
    ]:
        st = cells[Dims(channel=channel, group=group, agent=agent, category="售后", tier=tier)] = CellStats()
        st.add("created", 1)
        st.observe("first_reply", 30 + int(agent))
    rows, values = cell_rows(date(2026, 12, 1), cells)
    keys = [(r["channel"], r["tier"], r["grp"], r["agent"]) for r in rows]
    assert keys == [("chat", "mid", "1", "3"), ("web", "high", "1", "1"), ("web", "mid", "2", "9")]
    assert [v["agent"] for v in values] == ["3", "1", "9"]
