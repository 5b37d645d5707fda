"""tickets: a partial index of open tickets by creation time (the analytics backlog: count and
age ranks without reading closed tickets)

Revision ID: a2c4e6f8b0d1
Revises: f1a3c5e7b9d2
Create Date: 2026-12-09 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a2c4e6f8b0d1"
down_revision: str | None = "f1a3c5e7b9d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_WHERE = "status IN ('new', 'open', 'pending', 'hold')"


def upgrade() -> None:
    op.create_index(
        "ix_tickets_open_created",
        "tickets",
        ["created_at"],
        postgresql_where=sa.text(OPEN_WHERE),
        sqlite_where=sa.text(OPEN_WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_open_created", table_name="tickets")
