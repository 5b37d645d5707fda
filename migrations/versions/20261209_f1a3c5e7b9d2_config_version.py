"""config_version: one token that triggers on the settings tables replace on every change
(kit/snapshot.py: process-wide copies of settings checked with one read)

Revision ID: f1a3c5e7b9d2
Revises: e7b9d1f3a5c6
Create Date: 2026-12-09 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f1a3c5e7b9d2"
down_revision: str | None = "e7b9d1f3a5c6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here (a later migration that watches another table adds its own trigger).
TABLES = ("groups", "ticket_categories", "ticket_field_defs", "sla_policies", "schedules")

# A random token, so a rolled-back change can never bring back a token a copy was made under.
# No conflict is possible in the body (an outer INSERT OR IGNORE would impose its policy on a
# conflicting statement of the trigger): update the row, or add it when tests emptied it.
SQLITE_BODY = (
    "UPDATE config_version SET token = lower(hex(randomblob(16))) WHERE id = 1; "
    "INSERT INTO config_version (id, token) SELECT 1, lower(hex(randomblob(16))) "
    "WHERE NOT EXISTS (SELECT 1 FROM config_version WHERE id = 1);"
)
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION kefu_config_changed() RETURNS trigger AS $$
BEGIN
    INSERT INTO config_version (id, token) VALUES (1, md5(random()::text || clock_timestamp()::text))
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "config_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_config_version")),
    )
    op.execute("INSERT INTO config_version (id, token) VALUES (1, 'initial')")
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for action in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER config_version_{table}_{action.lower()} AFTER {action} ON {table} "
                    f"BEGIN {SQLITE_BODY} END"
                )
        return
    op.execute(PG_FUNCTION)
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER config_version_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION kefu_config_changed()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for action in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS config_version_{table}_{action}")
    else:
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS config_version_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS kefu_config_changed()")
    op.drop_table("config_version")
