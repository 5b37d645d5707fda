"""Mail channel jobs: IMAP fetches (network I/O, outside any transaction),
processing of stored inbound mail (in the job's transaction: exactly once), and the
periodic scheduling of mailbox polls."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit import jobs
from kefu.kit.db import Database
from kefu.mail.service.channels import FETCH_JOB, PROCESS_JOB, mail_channel_service
from kefu.mail.service.fetch import mail_fetch_service
from kefu.mail.service.inbound import inbound_mail_service

POLL_SECONDS = 60


@jobs.handler(PROCESS_JOB)
async def process(session: AsyncSession, payload: dict[str, Any]) -> None:
    await inbound_mail_service.process(session, int(payload["inbound_id"]), force=bool(payload.get("force")))


@jobs.io_handler(FETCH_JOB)
async def fetch(db: Database, payload: dict[str, Any]) -> None:
    await mail_fetch_service.fetch(db, int(payload["mailbox_id"]))


@jobs.periodic("mail.poll_mailboxes", every_seconds=POLL_SECONDS)
async def poll_mailboxes(session: AsyncSession, payload: dict[str, Any]) -> None:
    await mail_channel_service.schedule_fetches(session, int(payload.get("slot", 0)))
