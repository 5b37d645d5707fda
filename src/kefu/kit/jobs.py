"""Durable background jobs in the database.

Jobs are rows enqueued inside the caller's transaction, so a rollback drops them and a
commit releases them. Workers claim rows atomically (`FOR UPDATE SKIP LOCKED` on
PostgreSQL; on SQLite a claim is a unit of the process's one writer, kit.writer). A job's
handler runs in the same transaction that marks the job done, so its effects commit exactly once; a failed
handler rolls back and the job is retried with exponential backoff, then parked as `dead`
for an admin to see and retry. Periodic jobs are enqueued once per time slot through a
unique key, however many workers run.

Jobs of one name that are due together run as a batch where their handler allows it
(`handler(name, batch=True)`, `io_batch_handler`): one unit for the lot, each plain job in
its own savepoint (kit.jobbatch). The table and registrations live in kit.jobstore; this
module is their public face and the worker.

A worker polls the table every `poll_seconds`, but does not wait for it: a commit that
enqueued jobs wakes the process's own worker and publishes a hint on the realtime bus
(`channels.JOBS`; Redis in cluster mode), on which every worker listens. The hint may be
lost (pub/sub); the poll is the fallback.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import traceback
from collections import Counter
from datetime import timedelta
from functools import partial
from typing import Any

import sqlalchemy as sa
import structlog

from kefu.kit import channels, jobbatch, outbound, posting
from kefu.kit.db import Database
from kefu.kit.jobstore import (
    CLAIM,
    DONE,
    FENCE,
    PAYLOAD,
    TAKE,
    Finish,
    Handler,
    IoBatchHandler,
    IoHandler,
    Job,
    JobStatus,
    Periodic,
    _handlers,
    _io_batch_handlers,
    _io_handlers,
    _periodic,
    backoff_seconds,
    batches,
    bus_or_none,
    enqueue,
    handler,
    io_batch_handler,
    io_handler,
    is_io,
    is_queued,
    periodic,
    queue_depth,
    registered,
    set_wakeup,
    wake,
)
from kefu.kit.realtime import Subscription
from kefu.kit.time import utcnow

__all__ = [
    "BATCH_SIZE",
    "Finish",
    "Handler",
    "IoBatchHandler",
    "IoHandler",
    "Job",
    "JobStatus",
    "Periodic",
    "Worker",
    "_handlers",
    "_io_batch_handlers",
    "_io_handlers",
    "_periodic",
    "backoff_seconds",
    "enqueue",
    "handler",
    "io_batch_handler",
    "io_handler",
    "is_queued",
    "periodic",
    "queue_depth",
    "registered",
]

_log = structlog.get_logger(__name__)
# Jobs of a batching name run up to this many to a unit. A plain batch holds SQLite's one
# writer while its handlers run (~1-3 ms each for an event's listeners), so requests queued
# behind it wait for the lot: 16 keeps that wait to tens of milliseconds.
BATCH_SIZE = 16
RECORD_RETRY_SECONDS = (0.2, 1.0, 3.0)  # waits before recording a job's failure again


class Worker:
    """Claims and runs jobs; one per process (embedded) or per `kefu worker`."""

    def __init__(
        self,
        db: Database,
        *,
        concurrency: int = 4,
        lease_seconds: int = 300,
        poll_seconds: float = 1.0,
        worker_id: str | None = None,
        drain_seconds: float = 20.0,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.db = db
        self.concurrency = concurrency  # slots: a batch takes one
        self.batch_size = max(1, batch_size)
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self.drain_seconds = drain_seconds  # how long shutdown waits for in-flight jobs
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._stopping = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()
        # claimed job id -> (name, payload), until it runs: no read to tell an I/O job from a
        # plain one, nor to fetch an I/O job's payload
        self._claimed: dict[int, tuple[str, dict[str, Any]]] = {}
        # Jobs of one name take at most all slots but one: a backlog of long jobs (an
        # analytics refresh after an import, minutes each) must not hold every slot while
        # hand-offs' routing jobs and the periodic sweeps wait behind it.
        self.per_name = max(1, concurrency - 1)
        self._names: Counter[str] = Counter()  # running slots by name (run())
        self._slots: dict[str, int] = {}  # periodic job -> the last slot this worker enqueued
        self._capped = False

    async def claim(self, limit: int) -> list[int]:
        """Take up to `limit` ready jobs (queued and due, or running on a lost worker's
        expired lease), one to a slot."""
        return [job_id for batch in await self.claim_batches(limit, batch_size=1) for job_id in batch]

    async def claim_batches(self, slots: int, *, batch_size: int | None = None) -> list[list[int]]:
        """Take ready jobs for up to `slots` slots: a slot runs one job, or up to
        `batch_size` due jobs of a name that batches (kit.jobbatch). One claim unit for all."""
        size = self.batch_size if batch_size is None else max(1, batch_size)
        now = utcnow()
        taken = Counter(self._names)
        busy = [name for name, n in taken.items() if n >= self.per_name]
        async with self.db.transaction() as session:
            conn = await session.connection()
            limit = slots * size
            rows = (await conn.execute(CLAIM, {"now": now, "limit": limit, "busy": busy})).all()
            out: list[list[int]] = []
            names: dict[int, str] = {}
            filling: dict[str, list[int]] = {}  # name -> its batch in this claim, while not full
            for r in rows:  # a claim keeps to the per-name cap too; the rest stays queued
                batch = filling.get(r.name)
                if batch is not None and len(batch) < size:
                    batch.append(r.id)
                elif len(out) < slots and taken[r.name] < self.per_name:
                    taken[r.name] += 1
                    batch = [r.id]
                    out.append(batch)
                    if size > 1 and batches(r.name):
                        filling[r.name] = batch
                else:
                    continue
                names[r.id] = r.name
            # others may wait behind the cap: claim again now (a full LIMIT may hide more too)
            self._capped = len(names) < len(rows) or (len(rows) == limit and len(out) < slots)
            if names:
                params = {"ids": list(names), "worker": self.worker_id, "until": now + self.lease}
                for job_id, payload in (await conn.execute(TAKE, params)).all():
                    self._claimed[job_id] = (names[job_id], dict(payload or {}))
                out = [kept for batch in out if (kept := [i for i in batch if i in self._claimed])]
        return out

    async def run_batch(self, job_ids: list[int]) -> None:
        """Run the jobs of one claimed slot: alone, or as a batch of one name."""
        if len(job_ids) == 1:
            await self.run_job(job_ids[0])
            return
        claimed = [(job_id, *self._claimed.pop(job_id)) for job_id in job_ids]
        name = claimed[0][1]
        try:
            if is_io(name):
                await jobbatch.run_io(self.db, self.worker_id, name, claimed)
            else:
                await jobbatch.run_plain(self.db, self.worker_id, claimed)
        except asyncio.CancelledError:
            await self._release(job_ids)
            raise
        except Exception as exc:
            if is_io(name):  # the handler may have sent some: each retries after its backoff
                await self._record_failures(job_ids, traceback.format_exc(limit=20))
                return
            # The unit failed as a whole (nothing of it stored): each job alone, so that one
            # job's fault is recorded against it only.
            _log.info("jobs.batch_failed", name=name, size=len(job_ids), error=repr(exc))
            for job_id, job_name, payload in claimed:
                self._claimed[job_id] = (job_name, payload)
                await self.run_job(job_id)

    async def run_job(self, job_id: int) -> None:
        try:
            claimed = self._claimed.pop(job_id, None)
            io = claimed is None or is_io(claimed[0])
            if io and await self._run_io_job(job_id, claimed):
                return
            async with self.db.transaction() as session:
                # Fence first: the UPDATE locks the row (PostgreSQL) and proves we still own it.
                conn = await session.connection()
                row = (await conn.execute(FENCE, {**self._key(job_id), "now": utcnow()})).first()
                if row is None:
                    return
                fn = _handlers.get(row.name)
                if fn is None:
                    raise LookupError(f"no handler registered for job {row.name!r}")
                await fn(session, dict(row.payload))
        except asyncio.CancelledError:
            await self._release([job_id])
            raise
        except Exception:
            await self._record_failures([job_id], traceback.format_exc(limit=20))

    async def _record_failures(self, job_ids: list[int], error: str) -> None:
        """Mark the jobs failed (retried after their backoff). The database may refuse this
        unit too, e.g. no connection free (kit.admission): a few tries over a few seconds
        before the jobs are left to their lease (300 s claimed and idle)."""
        for wait in (*RECORD_RETRY_SECONDS, None):
            try:
                await self._failed(job_ids, error)
                return
            except Exception as unrecorded:
                if wait is None:
                    # The jobs stay claimed; their leases run out and they are claimed again.
                    _log.warning("jobs.failure_not_recorded", job_ids=job_ids, error=repr(unrecorded))
                    return
                await asyncio.sleep(wait)

    def _key(self, job_id: int) -> dict[str, Any]:
        return {"job_id": job_id, "worker": self.worker_id}

    async def _run_io_job(self, job_id: int, claimed: tuple[str, dict[str, Any]] | None) -> bool:
        """Run an I/O job outside any transaction; False if the job is a plain one. The
        handler's finishing write (if it returns one) shares the unit that marks it done."""
        if claimed is None:  # not claimed by this worker's claim(): read what it is
            async with self.db.read() as session:
                row = (await session.execute(PAYLOAD, self._key(job_id))).first()
            if row is None:
                return False
            claimed = (row.name, dict(row.payload))
        name, payload = claimed
        if name in _io_batch_handlers:
            await jobbatch.run_io(self.db, self.worker_id, name, [(job_id, name, payload)])
            return True
        if name not in _io_handlers:
            return False
        finish = await _io_handlers[name](self.db, payload)
        async with self.db.transaction() as session:
            if finish is not None:
                await finish(session)
            await (await session.connection()).execute(DONE, {**self._key(job_id), "now": utcnow()})
        return True

    async def _failed(self, job_ids: list[int], error: str) -> None:
        async with self.db.transaction() as session:
            for job_id in job_ids:
                job = await session.get(Job, job_id)
                if job is None or job.locked_by != self.worker_id or job.status != JobStatus.RUNNING:
                    continue
                job.last_error = error[-4000:]
                job.locked_by = None
                job.locked_until = None
                if job.attempts >= job.max_attempts:
                    job.status = JobStatus.DEAD
                    job.finished_at = utcnow()
                else:
                    job.status = JobStatus.QUEUED
                    job.run_at = utcnow() + timedelta(seconds=backoff_seconds(job.attempts))

    async def _release(self, job_ids: list[int]) -> None:
        """Give claimed jobs back (graceful shutdown); the attempt does not count."""
        with contextlib.suppress(Exception):
            async with self.db.transaction() as session:
                await session.execute(
                    sa.update(Job)
                    .where(Job.id.in_(job_ids), Job.locked_by == self.worker_id)
                    .where(Job.status == JobStatus.RUNNING)
                    .values(
                        status=JobStatus.QUEUED,
                        locked_by=None,
                        locked_until=None,
                        attempts=sa.func.max(Job.attempts - 1, 0)
                        if self.db.is_sqlite
                        else sa.func.greatest(Job.attempts - 1, 0),
                    )
                )

    async def schedule_periodic(self) -> None:
        """Enqueue each periodic job's current slot; a slot this worker already enqueued is
        not sent again (it was ~25 INSERT … ON CONFLICT a second, per worker, idle or not)."""
        now = int(utcnow().timestamp())
        due = [(spec, now // spec.every_seconds) for spec in _periodic.values()]
        due = [(spec, slot) for spec, slot in due if self._slots.get(spec.name) != slot]
        if not due:
            return
        async with self.db.transaction() as session:
            for spec, slot in due:
                await enqueue(session, spec.name, {"slot": slot}, unique_key=f"periodic:{spec.name}:{slot}")
        self._slots.update((spec.name, slot) for spec, slot in due)  # committed (or another's)

    async def run_until_idle(self, max_rounds: int = 100, *, concurrent: bool = False) -> int:
        """Run ready jobs until none is left (tests and `kefu worker --once`). `concurrent`
        runs each claimed batch at once, as `run` does, so their units share commits."""
        done = 0
        for _ in range(max_rounds):
            claimed = await self.claim_batches(self.concurrency)
            if not claimed:
                break
            if concurrent:
                await asyncio.gather(*(self.run_batch(batch) for batch in claimed))
            else:
                for batch in claimed:
                    await self.run_batch(batch)
            done += sum(len(batch) for batch in claimed)
        return done

    async def run(self) -> None:
        """Claim and run jobs until `stop()`; in-flight jobs finish or are released."""
        # I/O jobs to one host reuse connections (httpx clients, and kit.posting's webhooks)
        async with outbound.keep_alive(), posting.keep_alive():
            await self._run()

    async def _run(self) -> None:
        wakeup = set_wakeup(asyncio.Event())
        assert wakeup is not None
        last_periodic = 0.0
        loop = asyncio.get_running_loop()
        bus = bus_or_none()
        hints = await bus.subscribe(channels.JOBS) if bus is not None else None
        listener = asyncio.create_task(self._listen(hints)) if hints is not None else None
        try:
            while not self._stopping.is_set():
                if loop.time() - last_periodic >= 1.0:
                    with contextlib.suppress(Exception):
                        await self.schedule_periodic()
                    last_periodic = loop.time()
                free = self.concurrency - len(self._running)
                claimed = await self._safe_claim(free) if free > 0 else []
                for batch in claimed:
                    name = self._claimed[batch[0]][0]
                    self._names[name] += 1
                    task = asyncio.create_task(self.run_batch(batch))
                    self._running.add(task)
                    task.add_done_callback(self._running.discard)
                    task.add_done_callback(partial(self._finished, name))
                if claimed and (len(claimed) == free or self._capped):
                    await asyncio.sleep(0)
                    continue
                wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wait_any(wakeup), timeout=self.poll_seconds)
        finally:
            if listener is not None:
                listener.cancel()
            if bus is not None and hints is not None:
                with contextlib.suppress(Exception):
                    await bus.unsubscribe(hints)
            await self._drain()

    @staticmethod
    async def _listen(hints: Subscription) -> None:
        """Another process committed jobs (or the bus lost messages: look anyway)."""
        while True:
            await hints.get()
            wake()

    def _finished(self, name: str, _task: asyncio.Task[None]) -> None:
        self._names[name] -= 1
        if self._names[name] <= 0:
            del self._names[name]
        wake()  # a free slot: claim again now

    async def _wait_any(self, wakeup: asyncio.Event) -> None:
        waiters = [asyncio.create_task(wakeup.wait()), asyncio.create_task(self._stopping.wait())]
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()

    async def _safe_claim(self, slots: int) -> list[list[int]]:
        try:
            return await self.claim_batches(slots)
        except Exception:  # the database away: retry soon, however long the poll
            await asyncio.sleep(min(self.poll_seconds, 1.0))
            return []

    async def _drain(self) -> None:
        """Let in-flight jobs finish; past the deadline cancel them, which releases them."""
        if self._running:
            _done, pending = await asyncio.wait(self._running, timeout=self.drain_seconds)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=5)

    def stop(self) -> None:
        self._stopping.set()
