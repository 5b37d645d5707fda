"""Hourly: evaluate every active goal over its last whole period; alert once on a miss."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.goals.service import goal_service
from kefu.kit import jobs


@jobs.periodic("goals.evaluate", every_seconds=3600)
async def evaluate(session: AsyncSession, _payload: dict[str, Any]) -> None:
    await goal_service.evaluate(session)
