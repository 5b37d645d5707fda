"""tickets: drop ix_tickets_open_created; ix_tickets_open_dims (same partial predicate, created_at
first, then the dims) serves the backlog's count and ranks, and with both the planner took the
narrower one for a filtered backlog and fetched every open ticket's row (219 ms against 93 ms
for category + tier at 1 M tickets)

Revision ID: d8f4b2c6e0a3
Revises: c6e2a8f4b1d7
Create Date: 2026-12-12 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d8f4b2c6e0a3"
down_revision: str | None = "c6e2a8f4b1d7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_WHERE = "status IN ('new', 'open', 'pending', 'hold')"


def upgrade() -> None:
    op.drop_index("ix_tickets_open_created", table_name="tickets")


def downgrade() -> None:
    op.create_index(
        "ix_tickets_open_created",
        "tickets",
        ["created_at"],
        postgresql_where=sa.text(OPEN_WHERE),
        sqlite_where=sa.text(OPEN_WHERE),
    )
