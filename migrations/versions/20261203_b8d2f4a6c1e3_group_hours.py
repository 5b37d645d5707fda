"""agent hours per group: a routing rule may name the schedule that decides whether a
hand-off to the group reaches a person now (NULL = the default schedule); a conversation the
bot kept records whether it resolved it (NULL = closed before this release); an agent's state
records an away that idle time caused

Revision ID: b8d2f4a6c1e3
Revises: a7c3e9d1f5b2
Create Date: 2026-12-03 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b8d2f4a6c1e3"
down_revision: str | None = "a7c3e9d1f5b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("routing_rules") as batch:
        batch.add_column(sa.Column("schedule_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_routing_rules_schedule_id_schedules",
            "schedules",
            ["schedule_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("bot_resolved", sa.Boolean(), nullable=True))
    with op.batch_alter_table("agent_states") as batch:
        batch.add_column(sa.Column("away_idle", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("agent_states") as batch:
        batch.drop_column("away_idle")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("bot_resolved")
    with op.batch_alter_table("routing_rules") as batch:
        batch.drop_constraint("fk_routing_rules_schedule_id_schedules", type_="foreignkey")
        batch.drop_column("schedule_id")
