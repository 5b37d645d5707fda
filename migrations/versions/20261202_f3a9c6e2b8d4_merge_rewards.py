"""merge the rewards catalogue branch

Revision ID: f3a9c6e2b8d4
Revises: 5c8e2b7d4a91, e8b2d5f1c3a6
Create Date: 2026-12-02 18:55:00
"""

from collections.abc import Sequence

revision: str = "f3a9c6e2b8d4"
down_revision: tuple[str, ...] = ("5c8e2b7d4a91", "e8b2d5f1c3a6")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
