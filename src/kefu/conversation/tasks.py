"""Periodic conversation work: close chats nobody wrote in for a while."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.conversation.availability import availability_service
from kefu.conversation.service import conversation_service
from kefu.kit import jobs


@jobs.periodic("conversation.close_idle", every_seconds=60)
async def close_idle(session: AsyncSession, _payload: dict[str, Any]) -> None:
    settings = await availability_service.settings(session)  # the admin's, else the server's
    await conversation_service.close_idle(
        session, bot_minutes=settings.bot_idle_minutes, human_minutes=settings.human_idle_minutes
    )
