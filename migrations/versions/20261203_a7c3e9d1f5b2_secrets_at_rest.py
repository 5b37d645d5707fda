"""integration secrets encrypted at rest: their columns become TEXT (an `enc1:` Fernet token
is longer than the plain value); existing plain values still read and are encrypted by
`kefu secrets rotate` or at their next write

Revision ID: a7c3e9d1f5b2
Revises: f3a9c6e2b8d4
Create Date: 2026-12-03 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7c3e9d1f5b2"
down_revision: str | None = "f3a9c6e2b8d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS: dict[str, list[tuple[str, int, bool]]] = {
    "wechat_accounts": [
        ("app_secret", 128, False),
        ("token", 64, False),
        ("encoding_aes_key", 43, True),
        ("access_token", 600, True),
    ],
    "phone_integrations": [("secret", 200, False)],
    "app_integrations": [("secret", 200, False)],
    "webhook_subscriptions": [("secret", 200, False)],
    "service_points": [("api_secret", 200, True)],
    "mailboxes": [("password", 500, False)],
}


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for name, length, nullable in columns:
                batch.alter_column(
                    name, existing_type=sa.String(length), type_=sa.Text(), existing_nullable=nullable
                )


def downgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for name, length, nullable in columns:
                batch.alter_column(
                    name, existing_type=sa.Text(), type_=sa.String(length), existing_nullable=nullable
                )
