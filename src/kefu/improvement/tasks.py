"""Hourly: check every fixed improvement item; those whose checks hold become verified."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.improvement.service import improvement_service
from kefu.kit import jobs


@jobs.periodic("improvement.verify", every_seconds=3600)
async def verify_fixed(session: AsyncSession, _payload: dict[str, Any]) -> None:
    await improvement_service.verify_fixed(session)
