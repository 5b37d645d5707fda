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
# A burst of tickets is drained in one run, batch after batch: one batch per periodic check
# (every 3 s) let triage fall behind any arrival rate above ~30 tickets/s, and the backlog
# waited for the next checks. Bounded so one run never holds its lease for long.
MAX_BATCHES_PER_RUN = 20


@jobs.periodic("triage.check", every_seconds=3)
async def check(session: AsyncSession, _payload: dict[str, Any]) -> None:
    # Not while one runs: it takes the tickets that arrive meanwhile, and a second run beside
    # it classified the same tickets again until one of them failed on the duplicate row
    # (a burst of 1,000 tickets on PostgreSQL: one run failed and was retried, its work lost).
    if await triage_service.any_pending(session) and not await jobs.is_queued(
        session, CLASSIFY_JOB, or_running=True
    ):
        await jobs.enqueue(session, CLASSIFY_JOB, {})


@jobs.io_handler(CLASSIFY_JOB)
async def classify(db: Database, _payload: dict[str, Any]) -> None:
    for _ in range(MAX_BATCHES_PER_RUN):
        if await triage_service.classify_pending(db) < triage_service.batch:
            return
