"""Phone jobs: the missed-call check after the grace period."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit import jobs
from kefu.phone.service import CHECK_MISSED_JOB, phone_service


@jobs.handler(CHECK_MISSED_JOB)
async def check_missed(session: AsyncSession, payload: dict[str, Any]) -> None:
    await phone_service.check_missed(session, int(payload["call_id"]))
