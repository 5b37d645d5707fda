"""首问负责制: the owner's confirmation that the customer accepted the result on solved
tickets, an index for the "我负责的" view, and workspace notices for owners and followers

Revision ID: d9f1b3c5e7a2
Revises: b8d2f4a6c1e3
Create Date: 2026-12-03 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d9f1b3c5e7a2"
down_revision: str | None = "b8d2f4a6c1e3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("accepted_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_tickets_accepted_by_id_users", "users", ["accepted_by_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_tickets_owner_status", ["owner_id", "status"])
    op.create_table(
        "ticket_notices",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ticket_notices_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_notices_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_notices")),
    )
    op.create_index("ix_ticket_notices_user", "ticket_notices", ["user_id", "read_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_ticket_notices_user", table_name="ticket_notices")
    op.drop_table("ticket_notices")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_owner_status")
        batch.drop_constraint("fk_tickets_accepted_by_id_users", type_="foreignkey")
        batch.drop_column("accepted_by_id")
        batch.drop_column("accepted_at")
