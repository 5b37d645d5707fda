"""merge the branches written in parallel in session 4 (field service, presence/chat record,
import mappings, triage)

Revision ID: a1d4c7e9f2b0
Revises: 4c8e2f1a9b37, b7f3e2a91c54, d15d5ae61ca4, e31d6ff8a4ef
Create Date: 2026-12-02 18:15:00
"""

from collections.abc import Sequence

revision: str = "a1d4c7e9f2b0"
down_revision: tuple[str, ...] = ("4c8e2f1a9b37", "b7f3e2a91c54", "d15d5ae61ca4", "e31d6ff8a4ef")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
