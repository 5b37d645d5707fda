"""Several claimed jobs of one name run in one write unit (the worker's batches).

A backlog of small jobs (an event's listeners, webhook deliveries: about four per ticket
created) drained at ~150 jobs a second when each job paid its own claim, its own write unit
(BEGIN, fence, handler, COMMIT: an fsync on SQLite) and, for I/O jobs, its own read and HTTP
client. Batched, those costs are paid once per batch:

- plain jobs registered with `handler(name, batch=True)`: one unit (a few when it would
  run longer than UNIT_SECONDS), one fence statement for all; each handler runs in a session
  of its own on a SAVEPOINT of the unit's connection (own identity map, as a writer unit
  has), so a failing one rolls back alone and is queued again with its backoff in the
  same unit, while the others commit;
- I/O jobs registered with `io_batch_handler`: the handler gets every payload at once and
  returns one finishing write, which shares the unit that marks all of them done.

Fencing is unchanged: a job whose lease another worker took over is skipped (the fence
statement returns only the rows still ours), and a batch unit that fails as a whole is run
again one job at a time by the worker.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from kefu.kit import jobstore
from kefu.kit.db import Database
from kefu.kit.jobstore import DONE_MANY, FENCE_MANY, RETRY, UNFENCE, JobStatus, backoff_seconds
from kefu.kit.time import utcnow

Claimed = tuple[int, str, dict[str, Any]]  # job id, name, payload
# A plain batch's unit takes no further job once it has run this long; the rest go to the
# next unit. The unit holds SQLite's one writer (requests wait behind it) and, on
# PostgreSQL, whatever its jobs lock until it commits: the routing lock, which every new
# ticket's listener takes, and hand-offs in requests need too. On an idle machine a batch of
# 16 listener jobs is ~30 ms; under load one job could take that long.
UNIT_SECONDS = 0.05


async def run_plain(db: Database, worker_id: str, claimed: Sequence[Claimed]) -> None:
    """Run a batch of plain jobs of one name in as few units as UNIT_SECONDS allows; raises
    if a unit itself failed (nothing of that unit is stored: the caller runs the jobs again
    one at a time, and the fence skips those an earlier unit stored)."""
    left = list(claimed)
    while left:
        left = await _plain_unit(db, worker_id, left)


async def _plain_unit(db: Database, worker_id: str, claimed: list[Claimed]) -> list[Claimed]:
    """One unit: fence all, run jobs until UNIT_SECONDS have passed, hand back the rest (their
    fence undone in the same unit) for the next one."""
    ids = [job_id for job_id, _name, _payload in claimed]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + UNIT_SECONDS
    left: list[Claimed] = []
    async with db.transaction() as session:
        conn = await session.connection()
        fenced = (await conn.execute(FENCE_MANY, {"ids": ids, "worker": worker_id, "now": utcnow()})).all()
        owned = {int(row.id): (int(row.attempts), int(row.max_attempts)) for row in fenced}
        hooks: list[Any] = session.info.setdefault("after_commit", [])
        retries: list[dict[str, Any]] = []
        for i, (job_id, name, payload) in enumerate(claimed):
            if job_id not in owned:  # its lease ran out and another worker took it
                continue
            if i > 0 and loop.time() > deadline:
                left = [job for job in claimed[i:] if job[0] in owned]
                await conn.execute(UNFENCE, {"ids": [job[0] for job in left], "worker": worker_id})
                break
            error = await _in_savepoint(session, conn, name, payload, hooks)
            if error is not None:
                attempts, max_attempts = owned[job_id]
                retries.append(_retry(job_id, attempts, max_attempts, error))
        for values in retries:  # rare: one statement each
            await conn.execute(RETRY, values)
    return left


async def _in_savepoint(
    session: AsyncSession, conn: AsyncConnection, name: str, payload: dict[str, Any], hooks: list[Any]
) -> str | None:
    """One job on its own SAVEPOINT; its after-commit hooks join the unit's only if it
    succeeded. The error (a traceback) when it failed."""
    handler = jobstore._handlers.get(name)
    job = AsyncSession(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    job.info.update({k: v for k, v in session.info.items() if k != "after_commit"})
    job.info["after_commit"] = []
    try:
        if handler is None:
            raise LookupError(f"no handler registered for job {name!r}")
        await handler(job, dict(payload))
        await job.commit()  # flush + RELEASE SAVEPOINT: stored with the unit
    except Exception:
        error = traceback.format_exc(limit=20)
        job.info.pop("after_commit", None)
        await job.rollback()  # back to this job's savepoint only
        return error
    finally:
        for hook in job.info.pop("after_commit", []):
            if hook not in hooks:  # e.g. one jobs wake-up per commit, not one per job
                hooks.append(hook)
        await job.close()
    return None


def _retry(job_id: int, attempts: int, max_attempts: int, error: str) -> dict[str, Any]:
    now = utcnow()
    dead = attempts >= max_attempts
    return {
        "job_id": job_id,
        "new_status": (JobStatus.DEAD if dead else JobStatus.QUEUED).value,
        "retry_at": now if dead else now + timedelta(seconds=backoff_seconds(attempts)),
        "finished": now if dead else None,
        "error": error[-4000:],
    }


async def run_io(db: Database, worker_id: str, name: str, claimed: Sequence[Claimed]) -> None:
    """Hand a batch's payloads to its I/O handler (outside any transaction), then store its
    finishing write and mark every job done in one unit. Raises when the handler did: the
    worker records the failure for each job."""
    handler = jobstore._io_batch_handlers[name]
    finish = await handler(db, [dict(payload) for _job_id, _name, payload in claimed])
    ids = [job_id for job_id, _name, _payload in claimed]
    async with db.transaction() as session:
        if finish is not None:
            await finish(session)
        await (await session.connection()).execute(
            DONE_MANY, {"ids": ids, "worker": worker_id, "now": utcnow()}
        )
