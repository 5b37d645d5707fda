"""presence by heartbeat (last_seen_at, away_auto, online_on_login instead of a socket
counter); ticket comments record conversation lines (author kind, conversation, seq, data)

Revision ID: d15d5ae61ca4
Revises: 9d0c4e1f7a22
Create Date: 2026-12-02 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d15d5ae61ca4"
down_revision: str | None = "9d0c4e1f7a22"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agent_states") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("away_auto", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(
            sa.Column("online_on_login", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        # `connections` stays until the next release: the release still running during a
        # rolling upgrade writes it (docs/deploy.md); nothing reads it any more, and this
        # release's inserts leave it to the default.
        batch.alter_column("connections", existing_type=sa.Integer(), server_default="0")
    with op.batch_alter_table("ticket_comments") as batch:
        batch.add_column(sa.Column("author_kind", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("conversation_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("data", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket_comments") as batch:
        batch.drop_column("data")
        batch.drop_column("seq")
        batch.drop_column("conversation_id")
        batch.drop_column("author_kind")
    with op.batch_alter_table("agent_states") as batch:
        batch.drop_column("online_on_login")
        batch.drop_column("away_auto")
        batch.drop_column("last_seen_at")
