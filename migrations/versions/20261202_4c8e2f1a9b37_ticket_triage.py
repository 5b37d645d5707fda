"""ticket triage: the classifier's category/priority suggestion per new ticket

Revision ID: 4c8e2f1a9b37
Revises: 9d0c4e1f7a22
Create Date: 2026-12-02 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4c8e2f1a9b37"
down_revision: str | Sequence[str] | None = "9d0c4e1f7a22"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ticket_triage",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=120), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("confidence", sa.Double(), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_triage_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_triage")),
    )


def downgrade() -> None:
    op.drop_table("ticket_triage")
