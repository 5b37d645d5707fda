"""CPU of building a busy hour's analytics (what the 30 s refresh does at every hour's end and
every 5 min after activity, on the serving process in embedded mode): N chat conversations
of M messages each in one hour (customer and bot lines, as the 10,000-socket chat bench makes
them), written straight into a copy of a demo SQLite database, then today's first ten hour
buckets built twice by `analytics_service.build_hours` in a read snapshot.

    .venv/bin/python bench/analytics_hour.py                     # 10,000 x 80 (~1.5 min)
    .venv/bin/python bench/analytics_hour.py --conversations 2000 --messages 20 --db var/kefu.db

Prints one JSON record: wall time and event-loop thread CPU of each build (the rest of the
wall time is SQLite in reader threads), and the rows written.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from chat_path import demo_copy

HOUR = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai, the demo's zone


def _ts(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S.%f")


def seed(db_file: Path, conversations: int, messages: int) -> int:
    rng = random.Random(7)
    with sqlite3.connect(db_file) as con:
        first_customer = con.execute("select coalesce(max(id), 0) from customers").fetchone()[0] + 1
        first_conv = con.execute("select coalesce(max(id), 0) from conversations").fetchone()[0] + 1
        con.executemany(
            "insert into customers (id, name, created_at, tier) values (?, ?, ?, 'none')",
            [(first_customer + i, f"访客{i}", _ts(HOUR)) for i in range(conversations)],
        )
        convs, lines = [], []
        for i in range(conversations):
            start = HOUR + timedelta(seconds=rng.random() * 600)
            conv = first_conv + i
            convs.append((conv, first_customer + i, _ts(start), _ts(start), messages))
            for k in range(messages):
                sender = "customer" if k % 2 == 0 else "bot"
                emotion = ("neutral", "negative")[k % 7 == 0] if sender == "customer" else None
                at = start + timedelta(seconds=k * 40 + 1)
                lines.append((conv, k + 1, sender, "请问怎么退货？", 0, "{}", emotion, _ts(at)))
        con.executemany(
            "insert into conversations (id, customer_id, channel, status, locale, tier, priority,"
            " required_skills, overflowed, created_at, updated_at, last_seq, agent_read_seq,"
            " customer_read_seq, bot_misses, bot_state, assign_reason, rating_comment)"
            " values (?, ?, 'chat', 'bot', 'zh', 'none', 0, '[]', 0, ?, ?, ?, 0, 0, 0, '{}', '', '')",
            convs,
        )
        con.executemany(
            "insert into messages (conversation_id, seq, sender, text, internal, extra, emotion, created_at)"
            " values (?, ?, ?, ?, ?, ?, ?, ?)",
            lines,
        )
    return len(lines)


async def build(db_file: Path) -> list[dict[str, float]]:
    os.environ["KEFU_DATABASE_URL"] = f"sqlite+aiosqlite:///{db_file}"
    os.environ["KEFU_DATA_DIR"] = str(db_file.parent)
    os.environ.setdefault("KEFU_LOG_LEVEL", "WARNING")
    from kefu import registry
    from kefu.analytics.service import analytics_service
    from kefu.kit.db import Database

    registry.load_all()
    db = Database(os.environ["KEFU_DATABASE_URL"])
    buckets = [(HOUR - timedelta(hours=h), HOUR - timedelta(hours=h - 1)) for h in range(9, -1, -1)]
    out = []
    for _ in range(2):
        wall, loop = time.perf_counter(), time.thread_time()
        async with db.read() as session:
            await analytics_service.build_hours(session, buckets)
        out.append(
            {
                "wall_s": round(time.perf_counter() - wall, 3),
                "loop_cpu_s": round(time.thread_time() - loop, 3),
            }
        )
    await db.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", help="a demo SQLite database to copy (default: build one)")
    ap.add_argument("--conversations", type=int, default=10_000)
    ap.add_argument("--messages", type=int, default=80, help="per conversation")
    args = ap.parse_args()
    db_file = demo_copy(args.db)
    rows = seed(db_file, args.conversations, args.messages)
    result: dict[str, Any] = {
        "bench": "analytics_hour",
        "machine": f"{os.cpu_count()} cores",
        "conversations": args.conversations,
        "messages": rows,
        "builds": asyncio.run(build(db_file)),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
