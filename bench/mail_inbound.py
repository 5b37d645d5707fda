"""Inbound email throughput: raw mail stored (what the SMTP listener does before its 250),
then processed by the job worker — parsed, threaded, attached to a customer, turned into a
ticket or a comment, committed per message. Half the mails are new (UTF-8, GBK, Big5
bodies, some with a PDF attachment), half are replies found by In-Reply-To. Prints one JSON
record per backend.

Usage: .venv/bin/python bench/mail_inbound.py [--backend sqlite|postgresql|both] [--mails 2000]
       [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from kefu.config import get_settings
from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.mail.service.inbound import inbound_mail_service
from kefu.migrate import upgrade
from kefu.models import InboundMail, Ticket
from kefu.registry import load_all
from kefu.team.schemas import GroupCreate
from kefu.team.service import team_service

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
BODIES = [
    ("utf-8", "您好，我的手机充不进电了，换了充电器也不行。订单号 2026112400123。"),
    ("gbk", "请帮我查一下订单，已经三天没有发货了。"),
    ("big5", "請問保固多久？螢幕有一條細線。"),
]


def new_mail(n: int) -> bytes:
    charset, text = BODIES[n % len(BODIES)]
    m = EmailMessage()
    m["From"] = f"客户{n} <c{n}@example.cn>"
    m["To"] = "support@kefu.demo"
    m["Subject"] = f"咨询 {n}"
    m["Message-ID"] = f"<bench-{n}@example.cn>"
    m.set_content(text, charset=charset)
    if n % 10 == 0:
        m.add_attachment(
            b"%PDF-1.4 " + b"x" * 20_000, maintype="application", subtype="pdf", filename="发票.pdf"
        )
    return m.as_bytes()


def reply_mail(n: int) -> bytes:
    m = EmailMessage()
    m["From"] = f"客户{n} <c{n}@example.cn>"
    m["To"] = "support@kefu.demo"
    m["Subject"] = f"Re: 咨询 {n}"
    m["Message-ID"] = f"<bench-re-{n}@example.cn>"
    m["In-Reply-To"] = f"<bench-{n}@example.cn>"
    m["References"] = f"<bench-{n}@example.cn>"
    m.set_content(
        "还是不行，麻烦尽快处理。\n\n在 2026年11月24日 10:00，客服 写道：\n> 请换个充电器试试\n> 谢谢"
    )
    return m.as_bytes()


async def _pg_database() -> str:
    import asyncpg  # type: ignore[import-untyped]

    name = f"kefu_bench_mail_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return name


async def _pg_drop(name: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def run(backend: str, mails: int, concurrency: int) -> dict[str, Any]:
    load_all()  # every domain's jobs and listeners, as `kefu serve` and `kefu worker` load them
    tmp = Path(tempfile.mkdtemp(prefix="kefu-bench-mail-"))
    pg_name = None
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp / 'kefu.db'}"
    else:
        pg_name = await _pg_database()
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{pg_name}"
    await asyncio.to_thread(upgrade, url)
    get_settings().data_dir = tmp  # attachments land in the temporary directory
    db = Database(url)
    try:
        async with db.transaction() as s:
            await team_service.create(s, GroupCreate(name="售后", is_default=True), actor=None)
        half = mails // 2
        raws = [new_mail(n) for n in range(half)] + [reply_mail(n) for n in range(half)]

        started = time.perf_counter()
        for raw in raws:  # one transaction per mail, as the listener does before its 250
            async with db.transaction() as s:
                await inbound_mail_service.store(s, raw, source="smtp", recipients=["support@kefu.demo"])
        store_s = time.perf_counter() - started

        # As the embedded worker runs them: a claimed batch at once (their units share commits).
        worker = Worker(db, concurrency=concurrency)
        started, cpu0 = time.perf_counter(), time.process_time()
        processed = await worker.run_until_idle(max_rounds=10 * mails, concurrent=concurrency > 1)
        process_s, process_cpu = time.perf_counter() - started, time.process_time() - cpu0
        writer = db.writer

        async with db.session() as s:
            statuses = dict(
                (
                    await s.execute(
                        sa.select(InboundMail.status, sa.func.count()).group_by(InboundMail.status)
                    )
                ).all()
            )
            tickets = (await s.execute(sa.select(sa.func.count()).select_from(Ticket))).scalar_one()
    finally:
        await db.dispose()
        if pg_name:
            await _pg_drop(pg_name)
        shutil.rmtree(tmp, ignore_errors=True)  # the database and attachments (~4 MB a run)
    return {
        "bench": "mail_inbound",
        "backend": backend,
        "mails": len(raws),
        "jobs_run": processed,
        "worker_concurrency": concurrency,
        "store_per_s": round(len(raws) / store_s, 1),
        "parsed_threaded_per_s": round(len(raws) / process_s, 1),
        "end_to_end_per_s": round(len(raws) / (store_s + process_s), 1),
        # CPU time holds up on a shared machine: 1000 / cpu_ms is the rate one free core gives.
        "process_cpu_ms_per_mail": round(process_cpu / len(raws) * 1000, 2),
        "units_per_commit": round(writer.stats.units / max(1, writer.stats.commits), 1) if writer else None,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "statuses": {str(k): int(v) for k, v in statuses.items()},
        "tickets": int(tickets),
        "python": platform.python_version(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16, help="jobs run at once (1: one by one)")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        record = asyncio.run(run(backend, args.mails, args.concurrency))
        sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
