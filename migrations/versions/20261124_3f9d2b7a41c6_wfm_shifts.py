"""wfm shifts

Revision ID: 3f9d2b7a41c6
Revises: d273d915060d
Create Date: 2026-11-24 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3f9d2b7a41c6"
down_revision: str | None = "d273d915060d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "wfm_shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start", sa.String(length=5), nullable=False),
        sa.Column("end", sa.String(length=5), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_wfm_shifts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wfm_shifts")),
    )
    op.create_index("ix_wfm_shifts_weekday", "wfm_shifts", ["weekday", "user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_wfm_shifts_weekday", table_name="wfm_shifts")
    op.drop_table("wfm_shifts")
