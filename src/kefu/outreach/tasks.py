"""Outreach jobs: every send is a durable I/O job; the birthday journeys run daily."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit import jobs
from kefu.kit.db import Database
from kefu.outreach.service import SEND_JOB, outreach_service


@jobs.io_handler(SEND_JOB)
async def send(db: Database, payload: dict[str, Any]) -> None:
    await outreach_service.deliver(db, int(payload["send_id"]))


# Hourly, though greetings are daily: once per customer and year by key, so a slot missed
# while the worker was down costs nothing.
@jobs.periodic("outreach.birthdays", every_seconds=3600)
async def birthdays(session: AsyncSession, _payload: dict[str, Any]) -> None:
    await outreach_service.birthdays(session)
