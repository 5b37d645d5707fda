"""merge the widget-sessions (security) and incidents branches

Revision ID: e8b2d5f1c3a6
Revises: 5c2e8b7d41a9, b7e3c1d9a4f2
Create Date: 2026-12-02 18:45:00
"""

from collections.abc import Sequence

revision: str = "e8b2d5f1c3a6"
down_revision: tuple[str, ...] = ("5c2e8b7d41a9", "b7e3c1d9a4f2")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
