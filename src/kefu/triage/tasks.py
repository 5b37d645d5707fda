"""Triage runs a few seconds after a ticket arrives. The periodic check only looks; the
classifying job (which may train the model: seconds of CPU) is queued only when there is
work, and works in short transactions of its own."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit import jobs
from kefu.kit.db import Database
from kefu.triage.service import triage_service

CLASSIFY_JOB = "triage.classify"


@jobs.periodic("triage.check", every_seconds=3)
async def check(session: AsyncSession, _payload: dict[str, Any]) -> None:
    if await triage_service.any_pending(session) and not await jobs.is_queued(session, CLASSIFY_JOB):
        await jobs.enqueue(session, CLASSIFY_JOB, {})


@jobs.io_handler(CLASSIFY_JOB)
async def classify(db: Database, _payload: dict[str, Any]) -> None:
    await triage_service.classify_pending(db)
