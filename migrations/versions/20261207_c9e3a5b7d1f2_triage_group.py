"""triage: the group suggested for a ticket beside its category and priority

Revision ID: c9e3a5b7d1f2
Revises: b8d2e4f6a1c3
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c9e3a5b7d1f2"
down_revision: str | None = "b8d2e4f6a1c3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_triage") as batch:
        batch.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_ticket_triage_group_id_groups", "groups", ["group_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("ticket_triage") as batch:
        batch.drop_constraint("fk_ticket_triage_group_id_groups", type_="foreignkey")
        batch.drop_column("group_id")
