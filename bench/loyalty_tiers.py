"""Tier recalculation for every customer from rolling 12-month orders (target < 60 s for
1,000,000 customers / 10,000,000 orders on PostgreSQL), and points-balance reads at 1,000
ledger rows per customer (target p99 < 5 ms). Prints JSON records.

Usage: .venv/bin/python bench/loyalty_tiers.py [--customers 1000000] [--orders 10000000]
       [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.loyalty.service import loyalty_service
from kefu.migrate import upgrade
from kefu.registry import load_all

NOW = datetime(2026, 11, 1, tzinfo=UTC)


async def fill_pg(dsn: str, customers: int, orders: int) -> float:
    rng = random.Random(5)
    t0 = time.perf_counter()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table(
            "customers",
            columns=["id", "name", "tier", "created_at"],
            records=((i, "", "none", NOW) for i in range(1, customers + 1)),
        )
        step = 1_000_000
        for lo in range(0, orders, step):
            n = min(step, orders - lo)
            await conn.copy_records_to_table(
                "orders",
                columns=[
                    "id",
                    "customer_id",
                    "external_id",
                    "amount",
                    "currency",
                    "amount_cny",
                    "placed_at",
                    "status",
                    "created_at",
                ],
                records=(
                    (
                        lo + i + 1,
                        rng.randint(1, customers),
                        f"O{lo + i + 1}",
                        a,
                        "CNY",
                        a,
                        NOW - timedelta(days=rng.randint(0, 700)),
                        "paid",
                        NOW,
                    )
                    for i in range(n)
                    for a in (Decimal(rng.randint(50, 30000)),)
                ),
            )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - t0


async def fill_sqlite(db: Database, customers: int, orders: int) -> float:
    rng = random.Random(5)
    t0 = time.perf_counter()
    async with db.engine.begin() as conn:
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        await driver.executemany(
            "INSERT INTO customers (id, name, tier, created_at) VALUES (?, '', 'none', ?)",
            [(i, NOW.isoformat()) for i in range(1, customers + 1)],
        )
        step = 500_000
        for lo in range(0, orders, step):
            n = min(step, orders - lo)
            rows = []
            for i in range(n):
                a = rng.randint(50, 30000)
                rows.append(
                    (
                        lo + i + 1,
                        rng.randint(1, customers),
                        f"O{lo + i + 1}",
                        a,
                        a,
                        (NOW - timedelta(days=rng.randint(0, 700))).isoformat(),
                        NOW.isoformat(),
                    )
                )
            await driver.executemany(
                "INSERT INTO orders (id, customer_id, external_id, amount, currency, amount_cny, placed_at, status,"
                " created_at) VALUES (?, ?, ?, ?, 'CNY', ?, ?, 'paid', ?)",
                rows,
            )
    return time.perf_counter() - t0


async def points_reads(db: Database, rows_per_customer: int = 1000, customers: int = 50) -> dict[str, float]:
    async with db.engine.begin() as conn:
        await conn.execute(
            sa.text(
                "INSERT INTO points_ledger (customer_id, delta, reason, note, created_at) "
                "VALUES (:c, :d, 'earn', '', :t)"
            ),
            [{"c": c, "d": 10, "t": NOW} for c in range(1, customers + 1) for _ in range(rows_per_customer)],
        )
    if db.engine.dialect.name == "postgresql":  # as autovacuum would: visibility map for index-only scans
        async with db.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(sa.text("VACUUM ANALYZE points_ledger"))
    lat = []
    for i in range(2000):
        async with db.session() as s:
            t0 = time.perf_counter()
            await loyalty_service.balance(s, 1 + i % customers)
            lat.append((time.perf_counter() - t0) * 1000)
    lat.sort()
    return {"p50_ms": round(statistics.median(lat), 3), "p99_ms": round(lat[int(len(lat) * 0.99) - 1], 3)}


async def run(backend: str, url: str, customers: int, orders: int, fill: float) -> None:
    db = Database(url)
    try:
        t0 = time.perf_counter()
        async with db.transaction() as s:
            changed = await loyalty_service.recalculate_all(s, now=NOW)
        recalc = time.perf_counter() - t0
        async with db.session() as s:
            tiers = dict(
                (await s.execute(sa.text("SELECT tier, count(*) FROM customers GROUP BY tier"))).all()
            )
        reads = await points_reads(db)
    finally:
        await db.dispose()
    print(
        json.dumps(
            {
                "bench": "loyalty.tier_recalculation",
                "backend": backend,
                "customers": customers,
                "orders": orders,
                "fill_seconds": round(fill, 1),
                "recalc_seconds": round(recalc, 1),
                "tiers_changed": changed,
                "tiers": tiers,
                "points_balance_read": reads,
                "python": platform.python_version(),
                "machine": platform.machine(),
            }
        )
    )


async def main() -> None:
    load_all()  # every domain's jobs and listeners, as serve and worker load them
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--orders", type=int, default=10_000_000)
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = ap.parse_args()
    if args.backend in ("postgresql", "both"):
        admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
        await admin.execute('DROP DATABASE IF EXISTS "kefu_bench_tiers" WITH (FORCE)')
        await admin.execute('CREATE DATABASE "kefu_bench_tiers"')
        await admin.close()
        url = "postgresql+asyncpg://postgres@127.0.0.1:5432/kefu_bench_tiers"
        await asyncio.to_thread(upgrade, url)
        fill = await fill_pg(
            "postgresql://postgres@127.0.0.1:5432/kefu_bench_tiers", args.customers, args.orders
        )
        await run("postgresql", url, args.customers, args.orders, fill)
    if args.backend in ("sqlite", "both"):
        path = "/tmp/kefu_bench_tiers.db"
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        url = f"sqlite+aiosqlite:///{path}"
        await asyncio.to_thread(upgrade, url)
        db = Database(url)
        fill = await fill_sqlite(db, args.customers, args.orders)
        await db.dispose()
        await run("sqlite", url, args.customers, args.orders, fill)


if __name__ == "__main__":
    asyncio.run(main())
