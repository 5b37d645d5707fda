"""analytics rollups, pain points, time indexes for analytics windows

Revision ID: e49eaf87ba25
Revises: d273d915060d
Create Date: 2026-11-24 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e49eaf87ba25"
down_revision: str | None = "d273d915060d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("tickets", "ix_tickets_created_at", "created_at"),
    ("tickets", "ix_tickets_first_replied_at", "first_replied_at"),
    ("tickets", "ix_tickets_solved_at_only", "solved_at"),
    ("tickets", "ix_tickets_status_created", "status,created_at"),
    ("conversations", "ix_conversations_created_at", "created_at"),
    ("conversations", "ix_conversations_closed_at", "closed_at"),
    ("ticket_comments", "ix_ticket_comments_created_at", "created_at"),
    ("applied_slas", "ix_applied_slas_fulfilled_at", "fulfilled_at"),
    ("applied_slas", "ix_applied_slas_breached_at", "breached_at"),
)


def upgrade() -> None:
    op.create_table(
        "analytics_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dim", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", "dim", "key", name=op.f("pk_analytics_daily")),
    )
    op.create_index("ix_analytics_daily_dim_day", "analytics_daily", ["dim", "key", "day"], unique=False)
    op.create_table(
        "analytics_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("value", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_analytics_state")),
    )
    op.create_table(
        "pain_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("addressed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("addressed_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["addressed_by"],
            ["users.id"],
            name=op.f("fk_pain_points_addressed_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pain_points")),
        sa.UniqueConstraint("topic", name=op.f("uq_pain_points_topic")),
    )
    for table, name, column in _INDEXES:
        op.create_index(name, table, column.split(","), unique=False)


def downgrade() -> None:
    for table, name, _column in reversed(_INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("pain_points")
    op.drop_table("analytics_state")
    op.drop_index("ix_analytics_daily_dim_day", table_name="analytics_daily")
    op.drop_table("analytics_daily")
