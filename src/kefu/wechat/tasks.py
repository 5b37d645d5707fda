"""WeChat jobs: the sender, queued in the transaction of every outgoing message of a WeChat
conversation (agents' at once; the bot's after the passive-reply window, by which time the
callback has usually carried it already)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit import jobs
from kefu.kit.db import Database
from kefu.kit.events import EventRecord, intercept_all
from kefu.kit.time import utcnow
from kefu.wechat.sender import send_pending

SEND_JOB = "wechat.send"
PASSIVE_WINDOW = timedelta(seconds=5)


@jobs.io_handler(SEND_JOB)
async def send(db: Database, payload: dict[str, Any]) -> None:
    await send_pending(db, int(payload["conversation_id"]))


@intercept_all
async def queue_send(session: AsyncSession, record: EventRecord) -> None:
    data = record.payload
    if record.name != "message.created" or data.get("channel") != "wechat" or data.get("internal"):
        return
    sender = data.get("sender")
    if sender == "customer":
        return
    delay = timedelta(0) if sender == "agent" else PASSIVE_WINDOW
    await jobs.enqueue(
        session, SEND_JOB, {"conversation_id": data["conversation_id"]}, run_at=utcnow() + delay
    )
