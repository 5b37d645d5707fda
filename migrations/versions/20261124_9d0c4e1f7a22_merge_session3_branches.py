"""merge the branches written in parallel (bot, mail, channels, surveys, analytics, wfm)

Revision ID: 9d0c4e1f7a22
Revises: 3f9d2b7a41c6, 5b07a1c2e9d4, 5e3a1c9b7d20, 7c1e4a9b2d30, acfb566b97ad, e49eaf87ba25
Create Date: 2026-11-24 00:00:00
"""

from collections.abc import Sequence

revision: str = "9d0c4e1f7a22"
down_revision: tuple[str, ...] = (
    "3f9d2b7a41c6",
    "5b07a1c2e9d4",
    "5e3a1c9b7d20",
    "7c1e4a9b2d30",
    "acfb566b97ad",
    "e49eaf87ba25",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
