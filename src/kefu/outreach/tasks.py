"""Outreach jobs: every send is a durable I/O job; the calendar journeys (birthdays,
anniversaries, monthly content, holidays) run hourly."""

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


# Anniversaries 感恩回馈, monthly content by tier and holiday greetings: hourly like the
# birthdays, each once per customer and occurrence by key.
@jobs.periodic("outreach.occasions", every_seconds=3600)
async def occasions(session: AsyncSession, _payload: dict[str, Any]) -> None:
    await outreach_service.occasions(session)
