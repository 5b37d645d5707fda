"""analytics: cells of each day per combination of the five slice dims (channel, group, agent,
category, tier), so a summary with two or more filters sums matching cells instead of reading
every row of the range; the refresh watermark is cleared so the next refresh run rebuilds
every day with its cells (until then such summaries read raw, as before: correct, slower);
tickets: a partial index of open tickets with their dims (the filtered backlog reads it alone)

Revision ID: c6e2a8f4b1d7
Revises: b3d5f7a9c1e2
Create Date: 2026-12-12 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c6e2a8f4b1d7"
down_revision: str | None = "b3d5f7a9c1e2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As kefu.models.analytics has them today (a later change of the model gets its own migration).
COUNTERS = (
    "created",
    "contacts",
    "complaints",
    "repeat_contacts",
    "solved",
    "reopened",
    "fcr",
    "conversations",
    "bot",
    "bot_handoff",
    "bot_closed",
    "bot_contained",
    "aht_n",
    "msg_scored",
    "msg_negative",
    "sla_first_reply_met",
    "sla_first_reply_breached",
    "sla_next_reply_met",
    "sla_next_reply_breached",
    "sla_resolution_met",
    "sla_resolution_breached",
    "csat_n",
    "csat_sent",
    "csat_sent_answered",
    "nps_n",
    "nps_promoters",
    "nps_detractors",
    "nps_sent",
    "nps_sent_answered",
    "transfers",
)
SUMS = ("aht_sum", "occ_busy", "csat_sum")
OPEN_WHERE = "status IN ('new', 'open', 'pending', 'hold')"
DIMS = {"channel": 16, "grp": 20, "agent": 20, "category": 120, "tier": 20}


def _dims() -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column(c, sa.String(n), nullable=False) for c, n in DIMS.items()]


def upgrade() -> None:
    op.create_table(
        "analytics_cells",
        sa.Column("day", sa.Date(), nullable=False),
        *_dims(),
        *(sa.Column(f"c_{name}", sa.Integer(), nullable=False) for name in COUNTERS),
        *(sa.Column(f"s_{name}", sa.Float(), nullable=False) for name in SUMS),
        sa.Column("span_lo", sa.Float(), nullable=True),
        sa.Column("span_hi", sa.Float(), nullable=True),
        sa.Column("span_cap", sa.Integer(), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("day", *DIMS, name=op.f("pk_analytics_cells")),
    )
    op.create_table(
        "analytics_cell_values",
        sa.Column("day", sa.Date(), nullable=False),
        *_dims(),
        sa.Column("metric", sa.String(16), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", *DIMS, "metric", "value", name=op.f("pk_analytics_cell_values")),
    )
    for table in ("analytics_cells", "analytics_cell_values"):
        for col in DIMS:
            op.create_index(f"ix_{table}_{col}_day", table, [col, "day"])
    # The filtered backlog: count and age ranks from the index alone.
    op.create_index(
        "ix_tickets_open_dims",
        "tickets",
        ["created_at", "channel", "group_id", "assignee_id", "category", "customer_id"],
        postgresql_where=sa.text(OPEN_WHERE),
        sqlite_where=sa.text(OPEN_WHERE),
    )
    # Rebuild every day (with its cells) on the next refresh run.
    op.execute("DELETE FROM analytics_state WHERE name = 'refresh'")


def downgrade() -> None:
    op.drop_index("ix_tickets_open_dims", table_name="tickets")
    op.drop_table("analytics_cell_values")
    op.drop_table("analytics_cells")
