"""The outbox's sender: network I/O outside any transaction, retried with backoff."""

from __future__ import annotations

from typing import Any

from kefu.kit import jobs
from kefu.kit.db import Database
from kefu.outbox.service import SEND_JOB, mail_service


@jobs.io_handler(SEND_JOB)
async def send(db: Database, payload: dict[str, Any]) -> None:
    await mail_service.send(db, int(payload["mail_id"]))
