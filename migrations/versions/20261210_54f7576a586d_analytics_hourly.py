"""analytics: hour buckets of the whole company's stats (ranges not at local midnight read at
most two partial hours raw); the refresh watermark is cleared so the next refresh run
rebuilds every day's rollups with their hours (the first-run backfill path)

Revision ID: 54f7576a586d
Revises: a2c4e6f8b0d1
Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "54f7576a586d"
down_revision: str | None = "a2c4e6f8b0d1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "analytics_hourly",
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("start", name=op.f("pk_analytics_hourly")),
    )
    # Until the rebuild has run, summaries compute the edges live, as before: correct, slower.
    op.execute("DELETE FROM analytics_state WHERE name = 'refresh'")


def downgrade() -> None:
    op.drop_table("analytics_hourly")
