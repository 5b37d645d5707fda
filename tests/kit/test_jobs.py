"""Durable jobs: released on commit only, run exactly once, retried, parked when dead."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.errors import Overloaded
from kefu.kit import jobs
from kefu.kit.db import Database
from kefu.kit.jobs import Job, JobStatus, Worker
from kefu.kit.time import utcnow
from kefu.models import Customer
from tests.statements import count_statements

RUNS: Counter[str] = Counter()


@jobs.handler("test.record")
async def record(session: AsyncSession, payload: dict[str, Any]) -> None:
    RUNS[payload["key"]] += 1
    await asyncio.sleep(0)  # let a racing worker interleave
    session.add(Customer(name=f"job-{payload['key']}"))


@jobs.handler("test.fail")
async def fail(session: AsyncSession, payload: dict[str, Any]) -> None:
    session.add(Customer(name="must-not-survive"))
    raise RuntimeError("boom")


@jobs.handler("test.slow")
async def slow(session: AsyncSession, payload: dict[str, Any]) -> None:
    RUNS["slow-started"] += 1
    await asyncio.sleep(60)


@pytest.fixture(autouse=True)
def _reset() -> None:
    RUNS.clear()


async def _customers(db: Database) -> list[str]:
    async with db.session() as s:
        return list((await s.execute(sa.select(Customer.name))).scalars())


async def _job(db: Database, name: str | None = None) -> Job:
    """The one job under test (periodic jobs of other modules may sit beside it)."""
    stmt = sa.select(Job).where(Job.name.like("test.%"))
    if name:
        stmt = stmt.where(Job.name == name)
    async with db.session() as s:
        return (await s.execute(stmt)).scalar_one()


class TestEnqueue:
    async def test_job_of_rolled_back_transaction_never_runs(self, db: Database) -> None:
        with pytest.raises(RuntimeError):
            async with db.transaction() as s:
                await jobs.enqueue(s, "test.record", {"key": "rolled-back"})
                raise RuntimeError("request failed")
        assert await Worker(db).run_until_idle() == 0
        assert RUNS["rolled-back"] == 0
        assert await _customers(db) == []

    async def test_committed_job_runs_once_and_its_effects_commit(self, db: Database) -> None:
        async with db.transaction() as s:
            await jobs.enqueue(s, "test.record", {"key": "a"})
        assert await Worker(db).run_until_idle() == 1
        assert await Worker(db).run_until_idle() == 0
        assert RUNS["a"] == 1
        assert await _customers(db) == ["job-a"]
        assert (await _job(db)).status == JobStatus.DONE

    async def test_unique_key_enqueues_once(self, db: Database) -> None:
        for _ in range(3):
            async with db.transaction() as s:
                await jobs.enqueue(s, "test.record", {"key": "u"}, unique_key="only-once")
        assert await Worker(db).run_until_idle() == 1
        assert RUNS["u"] == 1


class TestRacingWorkers:
    async def test_a_backlog_runs_without_waiting_a_poll_per_job(self, db: Database) -> None:
        """A finished job frees its slot at once: 30 quick jobs on 2 slots take well under
        the 15 s that one claim per 1 s poll would need (a hand-off's routing job sat behind
        such a backlog)."""
        async with db.transaction() as s:
            for i in range(30):
                await jobs.enqueue(s, "test.record", {"key": f"b{i}"})
        worker = Worker(db, concurrency=2, poll_seconds=1.0)
        started = asyncio.get_running_loop().time()
        task = asyncio.create_task(worker.run())
        try:
            for _ in range(100):
                if len([k for k in RUNS if k.startswith("b")]) == 30:
                    break
                await asyncio.sleep(0.1)
        finally:
            worker.stop()
            await task
        assert len([k for k in RUNS if k.startswith("b")]) == 30
        assert asyncio.get_running_loop().time() - started < 8

    async def test_two_workers_run_each_job_exactly_once(self, db: Database) -> None:
        async with db.transaction() as s:
            for i in range(40):
                await jobs.enqueue(s, "test.record", {"key": f"k{i}"})
        other = Database(db.url)  # a second connection pool, as a second process would have
        try:
            w1, w2 = Worker(db, concurrency=3), Worker(other, concurrency=3)
            done = await asyncio.gather(w1.run_until_idle(), w2.run_until_idle())
        finally:
            await other.dispose()
        assert sum(done) == 40
        assert set(RUNS) == {f"k{i}" for i in range(40)}
        assert set(RUNS.values()) == {1}
        assert len(await _customers(db)) == 40

    async def test_periodic_slot_is_enqueued_once_by_many_workers(self, db: Database) -> None:
        jobs.periodic("test.tick", every_seconds=3600)(record)
        try:
            await asyncio.gather(*(Worker(db).schedule_periodic() for _ in range(4)))
            async with db.session() as s:
                count = (
                    await s.execute(
                        sa.select(sa.func.count()).select_from(Job).where(Job.name == "test.tick")
                    )
                ).scalar_one()
            assert count == 1
        finally:
            jobs._periodic.pop("test.tick", None)

    async def test_a_worker_sends_a_slot_it_enqueued_only_once(self, db: Database) -> None:
        jobs.periodic("test.tick", every_seconds=3600)(record)
        worker = Worker(db)
        try:
            # One instant for both calls: every registered periodic job is scheduled, and one
            # of every 3 s (triage.check) could start its next slot between them.
            with time_machine.travel(utcnow(), tick=False):
                await worker.schedule_periodic()
                with count_statements(db) as again:
                    await worker.schedule_periodic()
            assert again.count == 0, again.report()
            with count_statements(db) as other:  # another worker still sends it (and gets a no-op)
                await Worker(db).schedule_periodic()
            assert other.count >= 1
        finally:
            jobs._periodic.pop("test.tick", None)


class _RefusedFirst(Worker):
    """A worker whose first `refusals` attempts to record a failure find the database busy."""

    def __init__(self, db: Database, *, refusals: int) -> None:
        super().__init__(db)
        self.refusals = refusals
        self.tries = 0

    async def _failed(self, job_ids: list[int], error: str) -> None:
        self.tries += 1
        if self.tries <= self.refusals:
            raise Overloaded("服务繁忙，请稍后重试 / the server is busy, retry shortly")
        await super()._failed(job_ids, error)


class TestFailures:
    async def test_failure_rolls_back_effects_and_retries_with_backoff(self, db: Database) -> None:
        async with db.transaction() as s:
            await jobs.enqueue(s, "test.fail", {}, max_attempts=2)
        await Worker(db).run_until_idle()
        job = await _job(db)
        assert job.status == JobStatus.QUEUED
        assert job.attempts == 1
        assert job.run_at > utcnow()  # backoff: not before its time
        assert "boom" in (job.last_error or "")
        assert await _customers(db) == []
        assert await Worker(db).run_until_idle() == 0  # not due yet

    async def test_job_is_dead_after_max_attempts(self, db: Database) -> None:
        async with db.transaction() as s:
            await jobs.enqueue(s, "test.fail", {}, max_attempts=2)
        for _ in range(2):
            async with db.transaction() as s:
                await s.execute(sa.update(Job).values(run_at=utcnow() - timedelta(seconds=1)))
            await Worker(db).run_until_idle()
        job = await _job(db)
        assert job.status == JobStatus.DEAD
        assert job.attempts == 2

    async def test_a_failure_the_database_first_refuses_to_record_is_recorded_on_a_retry(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # A busy database (no connection free: kit.admission refuses the unit) used to leave
        # the failed job claimed and idle until its 300 s lease ran out.
        monkeypatch.setattr(jobs, "RECORD_RETRY_SECONDS", (0.01, 0.01, 0.01))
        async with db.transaction() as s:
            await jobs.enqueue(s, "test.fail", {}, max_attempts=3)
        refusals = _RefusedFirst(db, refusals=2)
        await refusals.run_until_idle()
        job = await _job(db)
        assert (job.status, job.attempts, job.locked_by) == (JobStatus.QUEUED, 1, None)
        assert "boom" in (job.last_error or "")
        assert refusals.tries == 3

    async def test_a_failure_never_recorded_is_left_to_the_lease(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(jobs, "RECORD_RETRY_SECONDS", (0.01,))
        async with db.transaction() as s:
            await jobs.enqueue(s, "test.fail", {}, max_attempts=3)
        refusals = _RefusedFirst(db, refusals=5)
        await refusals.run_until_idle()
        job = await _job(db)
        assert job.status == JobStatus.RUNNING  # claimed until the lease runs out
        assert refusals.tries == 2

    async def test_expired_lease_is_reclaimed_and_the_old_owner_is_fenced(self, db: Database) -> None:
        async with db.transaction() as s:
            await jobs.enqueue(s, "test.record", {"key": "lease"})
        crashed = Worker(db, worker_id="crashed")
        [job_id] = await crashed.claim(1)
        async with db.transaction() as s:
            await s.execute(sa.update(Job).values(locked_until=utcnow() - timedelta(seconds=1)))
        assert await Worker(db, worker_id="rescuer").run_until_idle() == 1
        await crashed.run_job(job_id)  # the late original owner must not run it again
        assert RUNS["lease"] == 1

    async def test_released_jobs_go_back_to_the_queue(self, db: Database) -> None:
        async with db.transaction() as s:
            await jobs.enqueue(s, "test.record", {"key": "r"})
        w = Worker(db)
        ids = await w.claim(1)
        await w._release(ids)
        job = await _job(db)
        assert job.status == JobStatus.QUEUED
        assert job.attempts == 0
        assert await Worker(db).run_until_idle() == 1


BLOCK: dict[str, asyncio.Event] = {}


@jobs.io_handler("test.block")
async def block(db: Database, payload: dict[str, Any]) -> None:
    """A long job that waits outside any transaction (SQLite's writer stays free)."""
    RUNS[f"block-{payload['key']}"] += 1
    await BLOCK["release"].wait()


class TestWorkerLoop:
    async def test_jobs_of_one_name_leave_a_slot_for_others(self, db: Database) -> None:
        """Two long jobs queued first and two slots: one slot stays free for the job behind
        them (an analytics backlog held every slot while routing and sweeps waited)."""
        BLOCK["release"] = asyncio.Event()
        async with db.transaction() as s:
            await jobs.enqueue(s, "test.block", {"key": "a"})
            await jobs.enqueue(s, "test.block", {"key": "b"})
        async with db.transaction() as s:
            await jobs.enqueue(s, "test.record", {"key": "behind"})
        w = Worker(db, concurrency=2, poll_seconds=0.05)
        task = asyncio.create_task(w.run())
        try:
            for _ in range(400):
                if RUNS["behind"]:
                    break
                await asyncio.sleep(0.05)
            assert RUNS["behind"] == 1
            assert RUNS["block-a"] + RUNS["block-b"] == 1  # the other waits its turn
            BLOCK["release"].set()
            for _ in range(400):
                if RUNS["block-a"] + RUNS["block-b"] == 2:
                    break
                await asyncio.sleep(0.05)
            assert (RUNS["block-a"], RUNS["block-b"]) == (1, 1)
        finally:
            BLOCK["release"].set()
            w.stop()
            await asyncio.wait_for(task, timeout=10)

    async def test_run_loop_picks_up_a_committed_job_and_stops_cleanly(self, db: Database) -> None:
        w = Worker(db, poll_seconds=0.05)
        task = asyncio.create_task(w.run())
        async with db.transaction() as s:
            await jobs.enqueue(s, "test.record", {"key": "loop"})
        for _ in range(100):
            if RUNS["loop"]:
                break
            await asyncio.sleep(0.05)
        w.stop()
        await asyncio.wait_for(task, timeout=10)
        assert RUNS["loop"] == 1

    async def test_shutdown_releases_a_job_that_outlives_the_drain_time(self, db: Database) -> None:
        async with db.transaction() as s:
            await jobs.enqueue(s, "test.slow", {})
        w = Worker(db, poll_seconds=0.05, drain_seconds=0.2)
        task = asyncio.create_task(w.run())
        for _ in range(100):
            if RUNS["slow-started"]:
                break
            await asyncio.sleep(0.05)
        w.stop()
        await asyncio.wait_for(task, timeout=10)
        job = await _job(db)
        assert (job.status, job.attempts, job.locked_by) == (JobStatus.QUEUED, 0, None)
