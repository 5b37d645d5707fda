"""Periodic clean-up of expired web sessions."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.auth.service import auth_service
from kefu.kit import jobs


@jobs.periodic("auth.purge_sessions", every_seconds=3600)
async def purge_sessions(session: AsyncSession, _payload: dict[str, Any]) -> None:
    await auth_service.purge_expired_sessions(session)
