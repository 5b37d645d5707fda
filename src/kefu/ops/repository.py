"""Queries over the jobs table for operators."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit.jobs import Job, JobStatus
from kefu.kit.time import utcnow


class OpsRepository:
    async def jobs(self, session: AsyncSession, status: str | None, limit: int) -> Sequence[Job]:
        stmt = sa.select(Job).order_by(Job.id.desc()).limit(limit)
        if status:
            stmt = stmt.where(Job.status == status)
        return (await session.execute(stmt)).scalars().all()

    async def counts(self, session: AsyncSession) -> dict[str, int]:
        rows = await session.execute(sa.select(Job.status, sa.func.count()).group_by(Job.status))
        return {str(s): int(c) for s, c in rows.all()}

    async def retry(self, session: AsyncSession, job_id: int) -> bool:
        result = await session.execute(
            sa.update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.DEAD)
            .values(status=JobStatus.QUEUED, attempts=0, run_at=utcnow(), finished_at=None)
        )
        return bool(getattr(result, "rowcount", 0))

    async def purge_done(self, session: AsyncSession, older_than_days: int) -> None:
        await session.execute(
            sa.delete(Job).where(
                Job.status == JobStatus.DONE,
                Job.finished_at < utcnow() - timedelta(days=older_than_days),
            )
        )


ops_repository = OpsRepository()
