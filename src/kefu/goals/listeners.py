"""Supervisors hear about a missed goal by email too (the same outbox as escalations)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.config import current_settings
from kefu.goals.events import GoalMissed
from kefu.goals.service import goal_service
from kefu.kit.events import listener


@listener(GoalMissed)
async def email_supervisors(session: AsyncSession, event: GoalMissed) -> None:
    await goal_service.email_supervisors(session, event, current_settings().public_url)
