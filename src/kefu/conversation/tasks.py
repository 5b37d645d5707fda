"""Periodic conversation work: close chats nobody wrote in for a while."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.conversation.availability import availability_service
from kefu.conversation.service import conversation_service
from kefu.kit import jobs


@jobs.periodic("conversation.close_idle", every_seconds=60)
async def close_idle(session: AsyncSession, _payload: dict[str, Any]) -> None:
    bot_minutes, human_minutes = await availability_service.idle_minutes(session)  # the admin's
    await conversation_service.close_idle(session, bot_minutes=bot_minutes, human_minutes=human_minutes)
