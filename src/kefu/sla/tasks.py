"""The periodic SLA scan."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit import jobs
from kefu.sla.service import sla_service


@jobs.periodic("sla.scan", every_seconds=30)
async def scan(session: AsyncSession, _payload: dict[str, Any]) -> None:
    await sla_service.scan(session)
