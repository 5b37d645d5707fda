"""widget sessions as revocable rows

Revision ID: b7e3c1d9a4f2
Revises: 9d0c4e1f7a22
Create Date: 2026-12-02 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7e3c1d9a4f2"
down_revision: str | Sequence[str] | None = "9d0c4e1f7a22"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "widget_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_widget_sessions_conversation_id", "widget_sessions", ["conversation_id"])
    op.create_index("ix_widget_sessions_customer_id", "widget_sessions", ["customer_id"])


def downgrade() -> None:
    op.drop_index("ix_widget_sessions_customer_id", table_name="widget_sessions")
    op.drop_index("ix_widget_sessions_conversation_id", table_name="widget_sessions")
    op.drop_table("widget_sessions")
