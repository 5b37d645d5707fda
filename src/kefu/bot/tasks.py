"""Training runs as a job (in a separate process, so chats never wait for it)."""

from __future__ import annotations

from typing import Any

from kefu.bot.service import TRAIN_JOB, bot_service
from kefu.kit import jobs
from kefu.kit.db import Database


@jobs.io_handler(TRAIN_JOB)
async def train(db: Database, payload: dict[str, Any]) -> None:
    await bot_service.train(db)
