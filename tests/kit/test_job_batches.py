"""Jobs of one name run as a batch: one unit for the lot, each in its own savepoint.

The budget below is the job path's statement count: a backlog of N batched jobs costs a
claim (SELECT + UPDATE … RETURNING) and one fence for all of them, not a fence (and a unit,
and on SQLite an fsync) per job. Lower it when a change saves one.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from kefu.kit import jobbatch, jobs
from kefu.kit.db import Database, after_commit
from kefu.kit.jobs import Job, JobStatus, Worker
from kefu.kit.time import utcnow
from kefu.models import Customer
from tests.statements import count_statements

RUNS: Counter[str] = Counter()
HOOKS: list[str] = []

# claim (SELECT + UPDATE … RETURNING), one fence for the batch, the empty claim that ends
# run_until_idle; the handlers' own INSERTs come on top (one per job here).
BUDGET_PER_BATCH = 4


@jobs.handler("test.batched", batch=True)
async def batched(session: AsyncSession, payload: dict[str, Any]) -> None:
    key = payload["key"]
    RUNS[key] += 1
    session.add(Customer(name=f"batched-{key}"))
    await session.flush()

    async def hook() -> None:
        HOOKS.append(key)

    after_commit(session, hook)
    if payload.get("fail"):
        raise RuntimeError("boom")


async def _names(db: Database) -> list[str]:
    async with db.session() as s:
        return sorted((await s.execute(sa.select(Customer.name))).scalars())


async def _jobs(db: Database) -> dict[str, Job]:
    async with db.session() as s:
        rows = (await s.execute(sa.select(Job).where(Job.name == "test.batched"))).scalars()
        return {job.payload["key"]: job for job in rows}


async def _enqueue(db: Database, *payloads: dict[str, Any]) -> None:
    async with db.transaction() as s:
        for payload in payloads:
            await jobs.enqueue(s, "test.batched", payload, max_attempts=3)


class TestBatches:
    def setup_method(self) -> None:
        RUNS.clear()
        HOOKS.clear()

    async def test_a_backlog_runs_in_one_unit_within_the_statement_budget(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(jobbatch, "UNIT_SECONDS", 60.0)  # however slow this machine is
        await _enqueue(db, *({"key": f"k{i}"} for i in range(12)))
        worker = Worker(db, concurrency=2, batch_size=16)
        with count_statements(db) as counter:
            assert await worker.run_until_idle() == 12
        inserts = [s for s in counter.work if s.lstrip().upper().startswith("INSERT INTO CUSTOMERS")]
        assert len(inserts) == 12, counter.report()
        assert counter.count - len(inserts) <= BUDGET_PER_BATCH, counter.report()
        assert set(RUNS.values()) == {1} and len(RUNS) == 12
        assert sorted(HOOKS) == sorted(f"k{i}" for i in range(12))  # after the one commit
        assert {job.status for job in (await _jobs(db)).values()} == {JobStatus.DONE}

    async def test_a_batch_longer_than_its_time_goes_on_in_further_units(
        self, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A unit stops taking jobs after UNIT_SECONDS (SQLite's writer, PostgreSQL's locks
        are held until it commits); the rest run in the next units, each job once."""
        monkeypatch.setattr(jobbatch, "UNIT_SECONDS", 0.0)  # one job a unit
        await _enqueue(db, {"key": "u1"}, {"key": "u2", "fail": True}, {"key": "u3"}, {"key": "u4"})
        with count_statements(db) as counter:
            assert await Worker(db, batch_size=16).run_until_idle() == 4
        fences = [s for s in counter.work if s.startswith("UPDATE jobs") and "max_attempts" in s]
        assert len(fences) == 4, counter.report()
        assert set(RUNS.values()) == {1} and len(RUNS) == 4
        assert await _names(db) == ["batched-u1", "batched-u3", "batched-u4"]
        rows = await _jobs(db)
        assert [rows[k].status for k in ("u1", "u3", "u4")] == [JobStatus.DONE] * 3
        assert (rows["u2"].status, rows["u2"].attempts) == (JobStatus.QUEUED, 1)

    async def test_a_failing_job_rolls_back_and_retries_alone(self, db: Database) -> None:
        await _enqueue(db, {"key": "a"}, {"key": "bad", "fail": True}, {"key": "c"})
        assert await Worker(db, batch_size=16).run_until_idle() == 3
        assert await _names(db) == ["batched-a", "batched-c"]
        assert sorted(HOOKS) == ["a", "c"]  # the failed job's hook was dropped with it
        rows = await _jobs(db)
        assert rows["a"].status == rows["c"].status == JobStatus.DONE
        bad = rows["bad"]
        assert (bad.status, bad.attempts, bad.locked_by) == (JobStatus.QUEUED, 1, None)
        assert bad.run_at > utcnow() and "boom" in (bad.last_error or "")
        assert await Worker(db).run_until_idle() == 0  # not before its backoff

    async def test_a_job_failing_every_time_ends_dead_and_the_others_are_not_run_again(
        self, db: Database
    ) -> None:
        await _enqueue(db, {"key": "ok"}, {"key": "bad", "fail": True})
        for _ in range(3):
            await Worker(db, batch_size=16).run_until_idle()
            async with db.transaction() as s:
                await s.execute(sa.update(Job).where(Job.status == JobStatus.QUEUED).values(run_at=utcnow()))
        rows = await _jobs(db)
        assert (rows["bad"].status, rows["bad"].attempts) == (JobStatus.DEAD, 3)
        assert (RUNS["ok"], RUNS["bad"]) == (1, 3)

    async def test_a_batch_whose_lease_was_taken_over_is_not_run_twice(self, db: Database) -> None:
        await _enqueue(db, *({"key": f"l{i}"} for i in range(3)))
        crashed = Worker(db, worker_id="crashed", batch_size=16)
        [batch] = await crashed.claim_batches(1)
        assert len(batch) == 3
        async with db.transaction() as s:
            await s.execute(sa.update(Job).values(locked_until=utcnow() - timedelta(seconds=1)))
        assert await Worker(db, worker_id="rescuer", batch_size=16).run_until_idle() == 3
        await crashed.run_batch(batch)  # the late original owner: fenced out
        assert set(RUNS.values()) == {1} and len(RUNS) == 3
        assert len(await _names(db)) == 3

    async def test_two_workers_run_each_batched_job_once(self, db: Database) -> None:
        await _enqueue(db, *({"key": f"w{i}"} for i in range(40)))
        other = Database(db.url)  # a second pool, as a second process would have
        try:
            done = await asyncio.gather(
                Worker(db, concurrency=3, batch_size=5).run_until_idle(concurrent=True),
                Worker(other, concurrency=3, batch_size=5).run_until_idle(concurrent=True),
            )
        finally:
            await other.dispose()
        assert sum(done) == 40
        assert set(RUNS.values()) == {1} and len(RUNS) == 40
        assert len(await _names(db)) == 40

    async def test_a_plain_job_is_never_batched(self, db: Database) -> None:
        """Only names that ask for it: others keep one job to a slot (long jobs would hold
        SQLite's writer for a whole batch)."""

        @jobs.handler("test.plain")
        async def plain(session: AsyncSession, payload: dict[str, Any]) -> None:
            RUNS["plain"] += 1

        async with db.transaction() as s:
            for _ in range(3):
                await jobs.enqueue(s, "test.plain", {})
        claimed = await Worker(db, concurrency=4, batch_size=16).claim_batches(4)
        assert sorted(len(batch) for batch in claimed) == [1, 1, 1]
