"""Cluster mode: a job a web process commits wakes the `kefu worker` processes at once (a
hint over Redis), instead of waiting for their next poll of the jobs table."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from redis import asyncio as aioredis

from kefu.kit import jobs
from kefu.kit.db import Database
from kefu.kit.realtime import RedisBus, set_bus
from tests.conftest import QUICK_DEMO, REDIS_URL, ROOT, fresh_pg_database, make_settings, need_redis

pytestmark = pytest.mark.pg
PROBE = "SELECT status, attempts FROM jobs WHERE payload->>'probe' = 'wake'"
PENDING = "SELECT count(*) FROM jobs WHERE status = 'running' OR (status = 'queued' AND run_at <= now())"


@pytest.fixture(scope="module")
def pg() -> Iterator[str]:
    need_redis()
    with fresh_pg_database() as url:
        yield url


@pytest.fixture
def worker(pg: str) -> Iterator[subprocess.Popen[bytes]]:
    """`kefu worker` that would look at the table only once an hour on its own."""
    env = {
        **QUICK_DEMO,
        **os.environ,
        "KEFU_DATABASE_URL": pg,
        "KEFU_REDIS_URL": REDIS_URL,
        "KEFU_JOB_POLL_SECONDS": "3600",
        "KEFU_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen([sys.executable, "-m", "kefu.cli", "worker"], env=env, cwd=ROOT)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def scalar_rows(db: Database, sql: str) -> list[sa.Row[tuple[object, ...]]]:
    async with db.read() as s:
        return list((await s.execute(sa.text(sql))).all())


class TestWorkerWakeUp:
    async def test_a_job_committed_elsewhere_runs_without_waiting_for_the_poll(
        self, pg: str, worker: subprocess.Popen[bytes]
    ) -> None:
        prefix = make_settings(pg).redis_namespace()
        redis = aioredis.from_url(REDIS_URL)
        db = Database(pg)
        bus = RedisBus(REDIS_URL, prefix=prefix)
        try:
            deadline = time.monotonic() + 180  # the worker's start-up (models loaded) on a busy box
            while (
                dict(await redis.pubsub_numsub(f"{prefix}{jobs.channels.JOBS}")).get(
                    f"{prefix}{jobs.channels.JOBS}".encode(), 0
                )
                < 1
            ):
                assert worker.poll() is None and time.monotonic() < deadline, "worker did not start"
                await asyncio.sleep(0.2)
            # Its start-up round (periodic jobs) done, the worker now waits: for an hour or a hint.
            while (await scalar_rows(db, PENDING))[0][0]:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.2)
            await asyncio.sleep(1.5)

            await bus.start()
            set_bus(bus)  # what a web process has
            async with db.transaction() as s:
                await jobs.enqueue(s, "conversation.close_idle", {"slot": 0, "probe": "wake"})
            picked = []
            until = time.monotonic() + 60  # far below the hour the poll would take
            while time.monotonic() < until:
                picked = await scalar_rows(db, PROBE)
                if picked and picked[0][0] == "done":
                    break
                await asyncio.sleep(0.1)
            assert picked and picked[0][0] == "done", picked
        finally:
            set_bus(None)
            await bus.close()
            await redis.aclose()
            await db.dispose()
