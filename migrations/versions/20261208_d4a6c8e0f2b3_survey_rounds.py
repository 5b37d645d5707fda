"""survey campaigns: the round being served (a customer is asked once per round)

Revision ID: d4a6c8e0f2b3
Revises: c9e3a5b7d1f2
Create Date: 2026-12-08 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d4a6c8e0f2b3"
down_revision: str | None = "c9e3a5b7d1f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("survey_campaigns") as batch:
        batch.add_column(sa.Column("round_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("survey_campaigns") as batch:
        batch.drop_column("round_at")
