"""Operator views of background work: queue depth, dead jobs, retries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.audit.service import audit_service
from kefu.authz import Perm, Principal, require
from kefu.errors import NotFound
from kefu.kit import jobs
from kefu.kit.jobs import Job
from kefu.ops.repository import ops_repository


class OpsService:
    async def list_jobs(
        self, session: AsyncSession, principal: Principal, status: str | None, limit: int = 100
    ) -> Sequence[Job]:
        require(principal, Perm.JOBS_MANAGE)
        return await ops_repository.jobs(session, status, limit)

    async def queue_counts(self, session: AsyncSession) -> dict[str, int]:
        return await ops_repository.counts(session)

    async def oldest_ready_job(self, session: AsyncSession, now: datetime) -> datetime | None:
        return await ops_repository.oldest_ready_job(session, now)

    async def operational_counts(self, session: AsyncSession, now: datetime) -> dict[str, Any]:
        return await ops_repository.operational_counts(session, now)

    async def retry(self, session: AsyncSession, principal: Principal, job_id: int) -> None:
        require(principal, Perm.JOBS_MANAGE)
        if not await ops_repository.retry(session, job_id):
            raise NotFound("no dead job with that id")
        audit_service.record(session, "job.retried", actor=principal, target_type="job", target_id=job_id)


ops_service = OpsService()


@jobs.periodic("ops.purge_done_jobs", every_seconds=3600)
async def purge_done_jobs(session: AsyncSession, _payload: dict[str, Any]) -> None:
    await ops_repository.purge_done(session, older_than_days=7)
