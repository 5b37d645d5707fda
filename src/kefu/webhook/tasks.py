"""Webhook delivery job and the interceptor that records deliveries for every event."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit import jobs
from kefu.kit.db import Database
from kefu.kit.events import EventRecord, intercept_all
from kefu.webhook.service import DELIVER_JOB, webhook_service


@jobs.io_batch_handler(DELIVER_JOB)
async def deliver(db: Database, payloads: list[dict[str, Any]]) -> jobs.Finish | None:
    """The delivery jobs due together (up to the worker's batch size), sent as one batch."""
    return await webhook_service.deliver(db, [int(p["delivery_id"]) for p in payloads])


@intercept_all
async def record(session: AsyncSession, event: EventRecord) -> None:
    await webhook_service.record_event(session, event)
