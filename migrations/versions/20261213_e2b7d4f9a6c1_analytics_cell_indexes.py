"""analytics cells: one index leading with each of group, category and agent, then the day and
the other dims (three filters or more always include one of them; the other filters are tested
in the index), instead of a (dim, day) index per dim, which fetched every row of the leading
dim's days; and every day rebuilt once, so its cells are stored sorted (kefu.analytics.cube)

Revision ID: e2b7d4f9a6c1
Revises: d8f4b2c6e0a3
Create Date: 2026-12-13 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e2b7d4f9a6c1"
down_revision: str | None = "d8f4b2c6e0a3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("analytics_cells", "analytics_cell_values")
DIMS = ("channel", "grp", "agent", "category", "tier")
INDEXED = ("grp", "category", "agent")
ORDER = ("channel", "tier", "category", "grp", "agent")


def upgrade() -> None:
    for table in TABLES:
        for col in DIMS:
            op.drop_index(f"ix_{table}_{col}_day", table_name=table)
        for col in INDEXED:
            op.create_index(f"ix_{table}_{col}_dims", table, [col, "day", *(o for o in ORDER if o != col)])
    # Rebuild every day on the next refresh runs (in short batches, as ever): their cells are
    # then written in the new order.
    op.execute("DELETE FROM analytics_state WHERE name = 'refresh'")


def downgrade() -> None:
    for table in TABLES:
        for col in INDEXED:
            op.drop_index(f"ix_{table}_{col}_dims", table_name=table)
        for col in DIMS:
            op.create_index(f"ix_{table}_{col}_day", table, [col, "day"])
