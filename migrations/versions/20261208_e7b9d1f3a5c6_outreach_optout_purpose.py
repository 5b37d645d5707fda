"""outreach opt-outs per channel and kind: marketing (what unsubscribe links write) or service
notices (the portal's 我的通知设置)

Revision ID: e7b9d1f3a5c6
Revises: d4a6c8e0f2b3
Create Date: 2026-12-08 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e7b9d1f3a5c6"
down_revision: str | None = "d4a6c8e0f2b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outreach_optouts") as batch:
        batch.add_column(sa.Column("purpose", sa.String(10), server_default="marketing", nullable=False))
        batch.drop_constraint("uq_outreach_optouts_customer_id_channel", type_="unique")
        batch.create_unique_constraint(
            "uq_outreach_optouts_customer_id_channel_purpose", ["customer_id", "channel", "purpose"]
        )


def downgrade() -> None:
    op.execute("DELETE FROM outreach_optouts WHERE purpose <> 'marketing'")
    with op.batch_alter_table("outreach_optouts") as batch:
        batch.drop_constraint("uq_outreach_optouts_customer_id_channel_purpose", type_="unique")
        batch.create_unique_constraint("uq_outreach_optouts_customer_id_channel", ["customer_id", "channel"])
        batch.drop_column("purpose")
