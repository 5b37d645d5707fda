"""goals: service goals the admin sets (metric, comparison, target, baseline period,
effective dates) and one alert row per goal and missed period

Revision ID: a3f8c1d5e9b2
Revises: c4e7a2f9d1b6
Create Date: 2026-12-04 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a3f8c1d5e9b2"
down_revision: str | None = "c4e7a2f9d1b6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "goals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("comparison", sa.String(length=10), nullable=False),
        sa.Column("target", sa.Double(), nullable=False),
        sa.Column("baseline_from", sa.Date(), nullable=True),
        sa.Column("baseline_to", sa.Date(), nullable=True),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goals")),
    )
    op.create_table(
        "goal_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", sa.Double(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["goals.id"], name=op.f("fk_goal_alerts_goal_id_goals"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goal_alerts")),
        sa.UniqueConstraint("goal_id", "period_start", name=op.f("uq_goal_alerts_goal_id_period_start")),
    )


def downgrade() -> None:
    op.drop_table("goal_alerts")
    op.drop_table("goals")
