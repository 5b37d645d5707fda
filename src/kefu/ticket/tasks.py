"""Periodic ticket work: close solved tickets after the configured number of days."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.config import current_settings
from kefu.kit import jobs
from kefu.ticket.service import ticket_service


@jobs.periodic("ticket.close_solved", every_seconds=3600)
async def close_solved(session: AsyncSession, _payload: dict[str, Any]) -> None:
    days = (await ticket_service.settings(session)).auto_close_days  # the admin's, else the server's
    await ticket_service.close_solved(session, days=days or current_settings().ticket_auto_close_days)
