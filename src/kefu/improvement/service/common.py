"""Helpers the improvement services share: the local calendar, names, the item URL."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.analytics.service import timezone
from kefu.analytics.windows import local_day
from kefu.auth.service import user_service
from kefu.config import current_settings
from kefu.kit.time import utcnow


def today() -> date:
    return local_day(utcnow(), timezone())


def item_url(item_id: int) -> str:
    return f"{current_settings().public_url.rstrip('/')}/improvements/{item_id}"


async def staff_names(session: AsyncSession) -> dict[int, str]:
    return {u.id: u.name or u.email for u in await user_service.list_all(session)}
