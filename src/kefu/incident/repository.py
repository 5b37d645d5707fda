"""Queries for incidents and the tickets linked to their master problem ticket."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.models import Incident, Ticket
from kefu.models.incident import MAJOR, IncidentStatus

# Built once: every new ticket asks (to join an open incident).
_OPEN = sa.select(Incident).where(Incident.status == IncidentStatus.OPEN).order_by(Incident.id)


class IncidentRepository:
    async def get(self, session: AsyncSession, incident_id: int, *, lock: bool = False) -> Incident | None:
        stmt = sa.select(Incident).where(Incident.id == incident_id)
        if lock:
            stmt = stmt.with_for_update()
        return (await session.execute(stmt)).scalar_one_or_none()

    async def list_all(self, session: AsyncSession, *, status: str | None) -> Sequence[Incident]:
        stmt = sa.select(Incident).order_by(Incident.id.desc()).limit(200)
        if status:
            stmt = stmt.where(Incident.status == status)
        return (await session.execute(stmt)).scalars().all()

    async def open_incidents(self, session: AsyncSession) -> Sequence[Incident]:
        return (await session.execute(_OPEN)).scalars().all()

    async def current_major(self, session: AsyncSession) -> Incident | None:
        """The open P1/P2 the banner shows: the most severe, then the newest."""
        stmt = (
            sa.select(Incident)
            .where(Incident.status == IncidentStatus.OPEN, Incident.severity.in_(sorted(MAJOR)))
            .order_by(Incident.severity, Incident.id.desc())
            .limit(1)
        )
        return (await session.execute(stmt)).scalar_one_or_none()

    async def linked_ids(self, session: AsyncSession, problem_ticket_ids: list[int]) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {pid: [] for pid in problem_ticket_ids}
        if not problem_ticket_ids:
            return out
        stmt = (
            sa.select(Ticket.problem_id, Ticket.id)
            .where(Ticket.problem_id.in_(problem_ticket_ids))
            .order_by(Ticket.id)
        )
        for pid, tid in (await session.execute(stmt)).all():
            if pid is not None:  # always true here (filtered above); narrows the type
                out[pid].append(tid)
        return out


incident_repository = IncidentRepository()
