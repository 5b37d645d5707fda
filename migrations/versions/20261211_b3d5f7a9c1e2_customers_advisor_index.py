"""customers: a partial index of advised customers (routing asks on every new ticket whether
any customer has a dedicated advisor)

Revision ID: b3d5f7a9c1e2
Revises: 54f7576a586d
Create Date: 2026-12-11 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3d5f7a9c1e2"
down_revision: str | None = "54f7576a586d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = "advisor_id IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_customers_advisor",
        "customers",
        ["advisor_id"],
        postgresql_where=sa.text(WHERE),
        sqlite_where=sa.text(WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_customers_advisor", table_name="customers")
