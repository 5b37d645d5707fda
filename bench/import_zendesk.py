"""Zendesk import throughput: generate an export (users, tickets with comments, one page of
100 per file like the API), import it into a fresh database, then re-run it (unchanged
records are hash-compared, not rewritten). Prints one JSON record per run.

Usage: .venv/bin/python bench/import_zendesk.py [--tickets 2000] [--comments 4]
       [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kefu.importer.service import import_service
from kefu.kit.db import Database
from kefu.migrate import upgrade
from kefu.registry import load_all

PAGE = 100


def generate(root: Path, tickets: int, comments: int) -> None:
    users = [{"id": 1, "name": "Agent", "email": "agent@bench.example", "role": "agent"}]
    users += [
        {
            "id": 1000 + i,
            "name": f"客户{i}",
            "email": f"c{i}@bench.example",
            "role": "end-user",
            "phone": f"+86138{i:08d}",
        }
        for i in range(tickets // 2)
    ]
    for n in range(0, len(users), PAGE):
        (root / f"users.{n // PAGE + 1}.json").write_text(
            json.dumps({"users": users[n : n + PAGE], "next_page": None})
        )
    start = datetime(2024, 1, 1, tzinfo=UTC)
    (root / "comments").mkdir()
    rows = []
    for t in range(tickets):
        created = start + timedelta(hours=t)
        rows.append(
            {
                "id": 10_000 + t,
                "subject": f"工单 {t}",
                "description": "设备无法开机，已经重启过。",
                "status": "solved" if t % 4 else "open",
                "priority": "normal",
                "requester_id": 1000 + t % (tickets // 2),
                "assignee_id": 1,
                "created_at": created.isoformat(),
                "updated_at": (created + timedelta(days=1)).isoformat(),
                "via": {"channel": "email"},
                "tags": ["bench"],
            }
        )
        body = {
            "comments": [
                {
                    "id": 100_000 + t * comments + c,
                    "author_id": 1 if c % 2 else 1000 + t % (tickets // 2),
                    "body": f"第 {c} 条回复：请按住电源键十秒后再试。",
                    "public": True,
                    "created_at": (created + timedelta(minutes=30 * c)).isoformat(),
                }
                for c in range(comments)
            ],
            "next_page": None,
        }
        (root / "comments" / f"{10_000 + t}.1.json").write_text(json.dumps(body, ensure_ascii=False))
    for n in range(0, len(rows), PAGE):
        last = n + PAGE >= len(rows)
        page = {
            "tickets": rows[n : n + PAGE],
            "end_of_stream": last,
            "after_cursor": None if last else str(n),
        }
        (root / f"tickets.{n // PAGE + 1}.json").write_text(json.dumps(page, ensure_ascii=False))


async def run(url: str, root: Path, tickets: int, comments: int) -> None:
    db = Database(url)
    try:
        for label in ("first import", "re-run"):
            t0 = time.perf_counter()
            summary = await import_service.run(db, "zendesk", root)
            seconds = time.perf_counter() - t0
            counts = summary.as_dict()["types"]
            print(
                json.dumps(
                    {
                        "bench": "import_zendesk",
                        "run": label,
                        "backend": url.split("+")[0],
                        "tickets": tickets,
                        "comments": tickets * comments,
                        "seconds": round(seconds, 2),
                        "tickets_per_second": round(tickets / seconds, 1),
                        "created": sum(c["created"] for c in counts.values()),
                        "unchanged": sum(c["unchanged"] for c in counts.values()),
                    }
                )
            )
    finally:
        await db.dispose()


def main() -> None:
    load_all()  # every domain's jobs and listeners, as serve and worker load them
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--comments", type=int, default=4)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "export"
        root.mkdir()
        generate(root, args.tickets, args.comments)
        if args.backend == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        else:
            import asyncpg

            name = f"kefu_bench_{uuid.uuid4().hex[:8]}"

            async def admin(sql: str) -> None:
                conn = await asyncpg.connect("postgresql://postgres@127.0.0.1:5432/postgres")
                try:
                    await conn.execute(sql)
                finally:
                    await conn.close()

            asyncio.run(admin(f'CREATE DATABASE "{name}"'))
            url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
        upgrade(url)
        try:
            asyncio.run(run(url, root, args.tickets, args.comments))
        finally:
            if args.backend == "postgresql":
                asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
