"""Analytics summary over a year of bulk-generated history: one JSON record per step.

Generates customers, tickets (with first-reply SLA clocks), chat conversations with bot turns,
their messages and CSAT surveys straight into a fresh database (sqlite3 executemany /
PostgreSQL COPY), backfills the daily rollups with the real refresh job, then times
`GET /api/v1/analytics/summary`-equivalent service calls (median of 5 runs each).

Usage: .venv/bin/python bench/analytics.py --backend sqlite|postgresql
       [--tickets 1000000] [--messages 10000000] [--days 365] [--pg-db kefu_bench_1m] [--reuse]
       [--recent N] [--cases name,name] [--time-only]

--recent N rolls up only the last N local days and today's finished hours (refresh_day and
the hour refresh, as the job does) instead of the full first-run backfill, and times only
the cases inside them: minutes instead of an hour on a loaded 2-core machine. Days already
rolled up are kept, so `--reuse --recent N` on a database rolled up before only times.
`--reuse --time-only` neither migrates nor refreshes: it times the cases on what is stored
(e.g. an older checkout's code on the same database).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kefu.analytics.repository import analytics_repository
from kefu.analytics.service import analytics_service, timezone
from kefu.analytics.tasks import refresh
from kefu.analytics.windows import day_start, local_day
from kefu.authz import Principal
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.migrate import upgrade
from kefu.models import Base
from kefu.registry import load_all

CHANNELS = ["web", "email", "phone", "wechat", "portal", "api"]
CATEGORIES = [
    "咨询/产品",
    "购买/订单",
    "购买/支付",
    "使用/手机",
    "售后/维修",
    "售后/退换货",
    "投诉/物流",
    "投诉/服务态度",
    "",
]
TIERS = ["high", "mid", "potential", "none"]
N_GROUPS, N_AGENTS, N_CUSTOMERS = 10, 50, 100_000
BATCH = 50_000
ADMIN = Principal(kind="staff", id=1, name="bench", role="admin")


def emit(**record: Any) -> None:
    print(json.dumps({"bench": "analytics", **record}, ensure_ascii=False, default=str), flush=True)


class Gen:
    """Rows for each table as dicts, generated lazily in id order."""

    def __init__(self, tickets: int, messages: int, days: int, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.tickets, self.days = tickets, days
        self.conversations = max(1, messages // 10)
        self.per_conv = messages // self.conversations
        self.now = datetime.now(UTC)
        self.start = self.now - timedelta(days=days)
        self.span = (self.now - self.start).total_seconds()

    def at(self, i: int, n: int) -> datetime:
        # Spread evenly over the period with jitter, in id order (as a live system writes).
        return self.start + timedelta(seconds=self.span * (i + self.rng.random()) / n)

    def groups(self) -> Iterator[dict[str, Any]]:
        for g in range(1, N_GROUPS + 1):
            yield {"id": g, "name": f"组{g}", "is_default": g == 1, "created_at": self.start}

    def users(self) -> Iterator[dict[str, Any]]:
        for u in range(1, N_AGENTS + 2):
            yield {
                "id": u,
                "email": f"agent{u}@bench.local",
                "name": f"坐席{u}",
                "password_hash": "x",
                "role": "admin" if u == 1 else "agent",
                "created_at": self.start,
            }

    def customers(self) -> Iterator[dict[str, Any]]:
        for c in range(1, N_CUSTOMERS + 1):
            yield {"id": c, "name": f"客户{c}", "tier": self.rng.choice(TIERS), "created_at": self.start}

    def tickets_and_clocks(self) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None]]:
        r = self.rng
        for i in range(self.tickets):
            created = self.at(i, self.tickets)
            first = created + timedelta(seconds=r.uniform(30, 9000)) if r.random() < 0.92 else None
            solved = (
                created + timedelta(seconds=r.uniform(1800, 3 * 86400))
                if first and r.random() < 0.85
                else None
            )
            if first and first > self.now:
                first = solved = None
            if solved and solved > self.now:
                solved = None
            status = (
                "closed"
                if solved and solved < self.now - timedelta(days=4)
                else "solved"
                if solved
                else ("open" if first else "new")
            )
            ticket = {
                "id": i + 1,
                "subject": "手机无法开机",
                "status": status,
                "channel": r.choice(CHANNELS),
                "category": r.choice(CATEGORIES),
                "customer_id": r.randint(1, N_CUSTOMERS),
                "group_id": r.randint(1, N_GROUPS),
                "assignee_id": r.randint(2, N_AGENTS + 1) if first else None,
                "created_at": created,
                "updated_at": solved or first or created,
                "first_replied_at": first,
                "solved_at": solved,
                "closed_at": solved + timedelta(days=4) if status == "closed" and solved else None,
                "reopen_count": 1 if solved and r.random() < 0.04 else 0,
            }
            clock = None
            if first:
                secs = (first - created).total_seconds()
                clock = {
                    "id": i + 1,
                    "ticket_id": i + 1,
                    "metric": "first_reply",
                    "target_minutes": 60,
                    "business_hours": False,
                    "status": "fulfilled",
                    "started_at": created,
                    "due_at": created + timedelta(hours=1),
                    "fulfilled_at": first,
                    "breached_at": created + timedelta(hours=1) if secs > 3600 else None,
                    "achieved_minutes": round(secs / 60, 2),
                }
            yield ticket, clock

    def conversations_messages(
        self,
    ) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]]:
        r = self.rng
        mid = 0
        senders = ["customer", "bot", "customer", "agent"]
        for i in range(self.conversations):
            created = self.at(i, self.conversations)
            queued = created + timedelta(seconds=r.uniform(20, 120)) if r.random() < 0.35 else None
            assigned = queued + timedelta(seconds=r.uniform(5, 300)) if queued else None
            closed = (assigned or created) + timedelta(seconds=r.uniform(60, 1800))
            closed_at = closed if closed < self.now else None
            conv = {
                "id": i + 1,
                "customer_id": r.randint(1, N_CUSTOMERS),
                "channel": r.choice(("chat", "wechat")),
                "status": "closed" if closed_at else ("assigned" if assigned else "bot"),
                "tier": r.choice(TIERS),
                "group_id": r.randint(1, N_GROUPS) if queued else None,
                "assignee_id": r.randint(2, N_AGENTS + 1) if assigned else None,
                "created_at": created,
                "updated_at": closed_at or created,
                "queued_at": queued,
                "first_queued_at": queued,
                "assigned_at": assigned,
                "closed_at": closed_at,
                "last_seq": self.per_conv,
            }
            msgs = []
            for seq in range(1, self.per_conv + 1):
                mid += 1
                sender = senders[(seq - 1) % 4] if assigned else ("customer" if seq % 2 else "bot")
                msgs.append(
                    {
                        "id": mid,
                        "conversation_id": i + 1,
                        "seq": seq,
                        "sender": sender,
                        "text": "请问我的订单什么时候发货",
                        "created_at": created + timedelta(seconds=15 * seq),
                        "emotion": ("negative" if r.random() < 0.15 else "neutral")
                        if sender == "customer"
                        else None,
                    }
                )
            turn = {
                "id": i + 1,
                "conversation_id": i + 1,
                "question": "请问我的订单什么时候发货",
                "intent": "order_status",
                "confidence": 0.9,
                "outcome": "handoff" if queued else "answered",
                "created_at": created,
            }
            yield conv, msgs, turn

    def surveys(self, count: int) -> Iterator[dict[str, Any]]:
        r = self.rng
        for i in range(count):
            sent = self.at(i, count)
            answered = (
                sent + timedelta(hours=1)
                if r.random() < 0.4 and sent < self.now - timedelta(hours=1)
                else None
            )
            score = r.choice([1, 2, 3, 4, 4, 5, 5, 5]) if answered else None
            yield {
                "id": i + 1,
                "kind": "csat",
                "ticket_id": r.randint(1, self.tickets),
                "customer_id": r.randint(1, N_CUSTOMERS),
                "channel": "email",
                "token": uuid.uuid4().hex,
                "dedupe_key": f"bench:{i}",
                "sent_at": sent,
                "expires_at": sent + timedelta(days=14),
                "answered_at": answered,
                "score": score,
                "score_100": (score - 1) * 25 if score else None,
            }


def _defaults(table: sa.Table) -> dict[str, Any]:
    """Scalar column defaults (JSON ones as text), so rows only name what they set."""
    out: dict[str, Any] = {}
    for col in table.columns:
        default = col.default
        value = None
        if default is not None and getattr(default, "is_scalar", False):
            value = default.arg  # type: ignore[attr-defined]
        elif default is not None and getattr(default, "is_callable", False):
            try:
                value = default.arg(None)  # type: ignore[attr-defined]
            except TypeError:
                value = None
        elif col.server_default is not None:
            value = getattr(col.server_default, "arg", None)
        if isinstance(col.type, sa.JSON):
            value = json.dumps(value if value is not None else ({} if "extra" in col.name else []))
        out[col.name] = value
    return out


class Loader:
    def __init__(self, backend: str, url: str) -> None:
        self.backend, self.url = backend, url
        self.tables = Base.metadata.tables

    def columns(self, name: str) -> list[str]:
        return [c.name for c in self.tables[name].columns]

    def tuples(self, name: str, rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        table = self.tables[name]
        defaults = _defaults(table)
        cols = self.columns(name)
        out = []
        for row in rows:
            values = []
            for c in cols:
                v = row.get(c, defaults[c])
                if isinstance(v, datetime) and self.backend == "sqlite":
                    v = v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
                if isinstance(table.columns[c].type, sa.JSON) and not isinstance(v, str):
                    v = json.dumps(v)
                values.append(v)
            out.append(tuple(values))
        return out


async def load(backend: str, url: str, gen: Gen) -> dict[str, int]:
    loader = Loader(backend, url)
    counts: dict[str, int] = {}
    if backend == "sqlite":
        path = url.split("///", 1)[1]
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA synchronous=OFF")

        def put(name: str, rows: list[dict[str, Any]]) -> None:
            cols = loader.columns(name)
            sql = f'INSERT INTO "{name}" ({", ".join(cols)}) VALUES ({", ".join("?" * len(cols))})'  # noqa: S608
            conn.executemany(sql, loader.tuples(name, rows))
            counts[name] = counts.get(name, 0) + len(rows)

        await _fill(put, gen)
        conn.commit()
        conn.close()
        return counts
    import asyncpg  # type: ignore[import-untyped]

    pg = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    pending: list[tuple[str, list[dict[str, Any]]]] = []

    def put_pg(name: str, rows: list[dict[str, Any]]) -> None:
        pending.append((name, rows))
        counts[name] = counts.get(name, 0) + len(rows)

    async def flush() -> None:
        while pending:
            name, rows = pending.pop(0)
            await pg.copy_records_to_table(
                name, records=loader.tuples(name, rows), columns=loader.columns(name)
            )

    await _fill(put_pg, gen, flush)
    await flush()
    for table in (
        "groups",
        "users",
        "customers",
        "tickets",
        "conversations",
        "messages",
        "bot_turns",
        "applied_slas",
        "surveys",
    ):
        await pg.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
        )
    # As autovacuum would (it is off on some machines): without the visibility map the
    # backlog's index-only scans fetch every open ticket's heap row (221,156 heap fetches).
    await pg.execute("VACUUM (ANALYZE)")
    await pg.close()
    return counts


async def _fill(put: Any, gen: Gen, flush: Any = None) -> None:
    async def maybe_flush() -> None:
        if flush is not None:
            await flush()

    put("groups", list(gen.groups()))
    put("users", list(gen.users()))
    put("customers", list(gen.customers()))
    await maybe_flush()
    tickets: list[dict[str, Any]] = []
    clocks: list[dict[str, Any]] = []
    for ticket, clock in gen.tickets_and_clocks():
        tickets.append(ticket)
        if clock:
            clocks.append(clock)
        if len(tickets) >= BATCH:
            put("tickets", tickets)
            put("applied_slas", clocks)
            tickets, clocks = [], []
            await maybe_flush()
    put("tickets", tickets)
    put("applied_slas", clocks)
    await maybe_flush()
    convs: list[dict[str, Any]] = []
    msgs: list[dict[str, Any]] = []
    turns: list[dict[str, Any]] = []
    for conv, messages, turn in gen.conversations_messages():
        convs.append(conv)
        msgs.extend(messages)
        turns.append(turn)
        if len(msgs) >= BATCH * 4:
            put("conversations", convs)
            put("messages", msgs)
            put("bot_turns", turns)
            convs, msgs, turns = [], [], []
            await maybe_flush()
    put("conversations", convs)
    put("messages", msgs)
    put("bot_turns", turns)
    put("surveys", list(gen.surveys(gen.tickets // 5)))
    await maybe_flush()


async def timed(
    db: Database, frm: datetime, to: datetime, only: dict[str, str], runs: int = 5
) -> dict[str, Any]:
    times = []
    data: dict[str, Any] = {}
    for _ in range(runs):
        t0 = time.perf_counter()
        async with db.transaction() as session:
            data = await analytics_service.summary(session, ADMIN, frm, to, only)
        times.append(time.perf_counter() - t0)
    return {
        "median_s": round(statistics.median(times), 3),
        "max_s": round(max(times), 3),
        "tickets_created": data["tickets_created"],
        "first_reply_seconds_p50": data["first_reply_seconds_p50"],
        "csat": data["csat"],
    }


async def roll_recent(db: Database, backend: str, n: int) -> None:
    """The last n local days' rollups and today's finished hours, each as the job stores them
    (days already rolled up are kept: --reuse times again without rebuilding them)."""
    now = utcnow()
    today = local_day(now, timezone())
    async with db.read() as session:
        have = await analytics_repository.rolled_days(session, today - timedelta(days=n - 1), today)
    emit(step="refresh_day_kept", backend=backend, days=len(have))
    for i in range(n - 1, 0, -1):
        if today - timedelta(days=i) in have:
            continue
        t0 = time.perf_counter()
        async with db.transaction() as session:
            await analytics_service.refresh_day(session, today - timedelta(days=i))
        emit(
            step="refresh_day",
            backend=backend,
            day=today - timedelta(days=i),
            seconds=round(time.perf_counter() - t0, 2),
        )
    t0 = time.perf_counter()
    async with db.read() as session:
        hours = await analytics_service.hours_to_refresh(session, now, True)
        rows = await analytics_service.build_hours(session, hours) if hours else {}
    if hours:
        async with db.transaction() as session:
            await analytics_service.store_hours(session, hours, rows)
    emit(
        step="refresh_today_hours",
        backend=backend,
        hours=len(hours),
        seconds=round(time.perf_counter() - t0, 2),
    )


async def main() -> None:
    load_all()  # every domain's jobs and listeners, as serve and worker load them
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--messages", type=int, default=10_000_000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--dir", default="/tmp/kefu-bench")
    ap.add_argument("--reuse", action="store_true", help="time the summary on the last generated data")
    ap.add_argument("--pg-db", default="kefu_bench_1m", help="PostgreSQL database for the generated data")
    ap.add_argument("--recent", type=int, default=0, help="roll up only the last N days (see above)")
    ap.add_argument("--cases", default="", help="time only these cases (comma-separated names)")
    ap.add_argument(
        "--time-only",
        action="store_true",
        help="with --reuse: no migration, no refresh, time the cases on the rollups as they are",
    )
    args = ap.parse_args()
    if args.backend == "sqlite":
        Path(args.dir).mkdir(parents=True, exist_ok=True)
        path = Path(args.dir) / "analytics.db"
        for suffix in ("", "-wal", "-shm"):
            if not args.reuse:
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        import asyncpg

        name = args.pg_db
        if not args.reuse:
            admin = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{name}"')
            await admin.close()
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    if not args.time_only:
        await asyncio.to_thread(upgrade, url)
    if not args.reuse:
        gen = Gen(args.tickets, args.messages, args.days)
        t0 = time.perf_counter()
        counts = await load(args.backend, url, gen)
        emit(step="load", backend=args.backend, seconds=round(time.perf_counter() - t0, 1), rows=counts)
    db = Database(url)
    try:
        if args.time_only:
            pass
        elif args.recent:
            await roll_recent(db, args.backend, args.recent)
        else:
            t0 = time.perf_counter()
            days = await refresh(db)
            emit(
                step="backfill_rollups",
                backend=args.backend,
                days=days,
                seconds=round(time.perf_counter() - t0, 1),
            )
            t0 = time.perf_counter()
            again = await refresh(db)
            emit(
                step="incremental_refresh_idle",
                backend=args.backend,
                days=again,
                seconds=round(time.perf_counter() - t0, 2),
            )
        now = datetime.now(UTC)
        tz = timezone()
        today = day_start(local_day(now, tz), tz)

        def back(days: int, only: dict[str, str]) -> tuple[datetime, datetime, dict[str, str]]:
            return now - timedelta(days=days), now, only  # a range that ends now, not at midnight

        cases = {
            "30_local_days_to_now": (today - timedelta(days=29), now, {}),
            "365_local_days_to_now": (today - timedelta(days=364), now, {}),
            "365_local_days_channel_email": (today - timedelta(days=364), now, {"channel": "email"}),
            "unaligned_now_minus_30d": back(30, {}),
            "unaligned_now_minus_30d_channel_email": back(30, {"channel": "email"}),
            # The filter keeping most raw rows: half the chats and their messages.
            "unaligned_now_minus_30d_channel_chat": back(30, {"channel": "chat"}),
            "unaligned_now_minus_7d_group_3": back(7, {"group": "3"}),
            "unaligned_now_minus_7d_agent_7": back(7, {"agent": "7"}),
            # Two or more filters (no single-slice rollup holds them): whole days from the cells.
            "unaligned_now_minus_30d_channel_email_group_3": back(30, {"channel": "email", "group": "3"}),
            "unaligned_now_minus_30d_channel_chat_group_3": back(30, {"channel": "chat", "group": "3"}),
            "unaligned_now_minus_365d_channel_email_group_3": back(365, {"channel": "email", "group": "3"}),
            "unaligned_now_minus_365d_channel_chat_group_3": back(365, {"channel": "chat", "group": "3"}),
            "unaligned_now_minus_365d_group_3_agent_7": back(365, {"group": "3", "agent": "7"}),
            # The broadest pair: a quarter of the customers times a sixth of the categories.
            "unaligned_now_minus_365d_tier_high_category_售后": back(
                365, {"tier": "high", "category": "售后"}
            ),
            "unaligned_now_minus_365d_channel_web_category_投诉_tier_mid": back(
                365, {"channel": "web", "category": "投诉", "tier": "mid"}
            ),
            # Three and four filters not led by the channel (any three include group, category
            # or agent: each leads one index of the cells).
            "unaligned_now_minus_365d_group_3_category_售后_tier_high": back(
                365, {"group": "3", "category": "售后", "tier": "high"}
            ),
            "unaligned_now_minus_365d_channel_email_group_3_tier_potential": back(
                365, {"channel": "email", "group": "3", "tier": "potential"}
            ),
            "unaligned_now_minus_365d_agent_7_category_售后_tier_high": back(
                365, {"agent": "7", "category": "售后", "tier": "high"}
            ),
            "unaligned_now_minus_365d_channel_web_group_2_category_购买_tier_none": back(
                365, {"channel": "web", "group": "2", "category": "购买", "tier": "none"}
            ),
            "unaligned_now_minus_7d": back(7, {}),
            "today_only": (now - timedelta(hours=1), now, {}),
        }
        if args.recent and not args.time_only:
            cases = {k: v for k, v in cases.items() if v[0] >= today - timedelta(days=args.recent - 1)}
        if args.cases:
            cases = {k: v for k, v in cases.items() if k in args.cases.split(",")}
        for name, (frm, to, only) in cases.items():
            emit(step="summary", backend=args.backend, case=name, **await timed(db, frm, to, only))
    finally:
        await db.dispose()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
