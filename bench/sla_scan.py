"""Breach scan among 1,000,000 open SLA clocks (target < 100 ms per scan on PostgreSQL and
SQLite). Prints JSON records.

Builds a throw-away database per backend (SQLite file in /tmp; PostgreSQL database
kefu_bench_sla on 127.0.0.1), bulk-inserts N tickets and N running clocks with deadlines
spread over 30 days, then times the scan query the periodic job runs (the due range on the
indexed deadline column) and one full scan() call that emits the due events.
Usage: .venv/bin/python bench/sla_scan.py [--rows 1000000] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.migrate import upgrade
from kefu.models import AppliedSla
from kefu.registry import load_all
from kefu.sla.repository import sla_repository
from kefu.sla.service import sla_service

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


async def _pg_reset(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def fill(db: Database, rows: int) -> float:
    rng = random.Random(3)
    started = time.perf_counter()
    batch = 20_000
    async with db.engine.begin() as conn:
        for lo in range(0, rows, batch):
            n = min(batch, rows - lo)
            await conn.execute(
                sa.text(
                    "INSERT INTO tickets (id, subject, description, status, priority, type, category, tags, "
                    "custom_fields, channel, created_at, updated_at, reopen_count) VALUES "
                    "(:id, 's', '', 'open', 'normal', 'question', '', '[]', '{}', 'web', :t, :t, 0)"
                ),
                [{"id": lo + i + 1, "t": NOW} for i in range(n)],
            )
            clocks = []
            for i in range(n):
                # Deadlines spread over ±15 days; ~0.05 % are due at NOW and not yet claimed.
                due = NOW + timedelta(seconds=rng.randint(-1300, 15 * 86400 * 2 - 1300) - 15 * 86400 + 1300)
                claimed = due <= NOW - timedelta(seconds=1300)
                clocks.append(
                    {
                        "ticket_id": lo + i + 1,
                        "metric": "first_reply",
                        "policy": "{}",
                        "target": 240,
                        "bh": True,
                        "status": "active",
                        "started": NOW - timedelta(hours=2),
                        "consumed": 0.0,
                        "due": due,
                        "breach": None if claimed else due,
                        "warn": None,
                        "ratio": 0.75,
                        "breached": NOW if claimed else None,
                    }
                )
            await conn.execute(
                sa.text(
                    "INSERT INTO applied_slas (ticket_id, metric, policy, target_minutes, business_hours, status,"
                    " started_at, run_started_at, consumed_seconds, due_at, breach_at, warn_due_at, warn_ratio,"
                    " breached_at) VALUES (:ticket_id, :metric, :policy, :target, :bh, :status, :started,"
                    " :started, :consumed, :due, :breach, :warn, :ratio, :breached)"
                ),
                clocks,
            )
    return time.perf_counter() - started


async def run(backend: str, url: str, rows: int) -> dict[str, object]:
    await asyncio.to_thread(upgrade, url)  # alembic runs its own event loop
    db = Database(url)
    try:
        fill_s = await fill(db, rows)
        if not db.is_sqlite:
            async with db.engine.begin() as conn:
                await conn.execute(sa.text("ANALYZE"))
        timings = []
        found = 0
        for _ in range(20):
            async with db.session() as s:
                t0 = time.perf_counter()
                due = await sla_repository.due(s, "breach_at", NOW, 500)
                timings.append((time.perf_counter() - t0) * 1000)
                found = len(due)
        async with db.transaction() as s:
            t0 = time.perf_counter()
            emitted = await sla_service.scan(s, now=NOW, limit=500)
            scan_ms = (time.perf_counter() - t0) * 1000
        async with db.session() as s:
            total = (await s.execute(sa.select(sa.func.count()).select_from(AppliedSla))).scalar_one()
    finally:
        await db.dispose()
    return {
        "bench": "sla.breach_scan",
        "backend": backend,
        "clocks": total,
        "fill_seconds": round(fill_s, 1),
        "due_found": found,
        "query_p50_ms": round(statistics.median(timings), 2),
        "query_max_ms": round(max(timings), 2),
        "scan_emit_ms": round(scan_ms, 1),
        "events_emitted": emitted,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


async def main() -> None:
    load_all()  # every domain's jobs and listeners, as serve and worker load them
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = ap.parse_args()
    if args.backend in ("sqlite", "both"):
        path = "/tmp/kefu_bench_sla.db"
        import os

        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        print(json.dumps(await run("sqlite", f"sqlite+aiosqlite:///{path}", args.rows)))
    if args.backend in ("postgresql", "both"):
        await _pg_reset("kefu_bench_sla")
        print(
            json.dumps(
                await run(
                    "postgresql", "postgresql+asyncpg://postgres@127.0.0.1:5432/kefu_bench_sla", args.rows
                )
            )
        )


if __name__ == "__main__":
    asyncio.run(main())
