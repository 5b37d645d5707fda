"""Audit log queries (append-only: no update or delete is offered)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models import AuditEntry


class AuditRepository:
    def add(self, session: AsyncSession, entry: AuditEntry) -> None:
        session.add(entry)

    async def list_entries(
        self, session: AsyncSession, *, action: str | None = None, limit: int = 100, offset: int = 0
    ) -> Sequence[AuditEntry]:
        stmt = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
        if action:
            stmt = stmt.where(AuditEntry.action == action)
        return (await session.execute(stmt)).scalars().all()


audit_repository = AuditRepository()
