"""A job worker process for the fault suite (test_jobs_kill9.py): runs `fault.effect` jobs
until it is killed. Each job's effect is a row written in the job's own transaction; some
jobs are planned to fail."""

from __future__ import annotations

import asyncio
import random
import sys
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit import jobs
from kefu.kit.db import Database


@jobs.handler("fault.effect")
async def effect(session: AsyncSession, payload: dict[str, Any]) -> None:
    await session.execute(sa.text("INSERT INTO fault_effects (k) VALUES (:k)"), {"k": payload["k"]})
    if payload.get("fail"):
        raise RuntimeError(f"planned failure {payload['k']}")
    await asyncio.sleep(random.random() * 0.002)


async def main(url: str, worker_id: str) -> None:
    db = Database(url)
    worker = jobs.Worker(db, concurrency=8, lease_seconds=2, poll_seconds=0.05, worker_id=worker_id)
    await worker.run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
