"""CPU and wall time of the ticket-create path in-process: `POST /api/v1/tickets` through
the ASGI app (no sockets), then the listener and webhook jobs those tickets queued, on a
copy of a demo database, with a webhook subscription to ticket events answered by a
loopback receiver. Socket, HTTP parsing and peer comparisons are `ticket_peers.py`'s.

    .venv/bin/python bench/ticket_path.py --db var/kefu.db        # a `kefu demo` SQLite db
    .venv/bin/python bench/ticket_path.py --pg-template kefu_bench_demo   # a demo PG database
    .venv/bin/python bench/ticket_path.py --db var/kefu.db --profile /tmp/create.txt

Prints one JSON record: per ticket, process CPU (median and smallest over the batches) and
wall for the requests (16 in flight by default, the requests compare.sh sends: requesters
cycle over 200 e-mails, no category) and for the jobs each batch queued (run by one worker of
4 slots, as `kefu serve` embeds, after the batch); latency percentiles of the requests;
statements per ticket; webhook deliveries received. CPU time, unlike wall time, holds up on
a shared machine (the smallest batch best).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def sqlite_copy(src: str) -> str:
    work = Path(tempfile.mkdtemp(prefix="kefu-ticket-path-"))
    dst = work / "kefu.db"
    with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return f"sqlite+aiosqlite:///{dst}"


async def pg_copy(template: str) -> tuple[str, str]:
    import asyncpg  # type: ignore[import-untyped]

    name = f"kefu_ticket_path_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await conn.close()
    return f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", name


async def pg_drop(name: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


class Receiver:
    """A loopback HTTP endpoint that answers 200 to every POST and counts them."""

    def __init__(self) -> None:
        self.count = 0
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                await reader.readexactly(length)
                self.count += 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()


def _pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return round(s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))], 1) if s else 0.0


def _body(i: int) -> dict[str, Any]:  # the request compare.sh's ticket_load.py sends
    return {
        "subject": f"压测工单 {i}: 手机充不进电",
        "description": f"手机充不进电，换了充电线也不行，请帮忙看看。订单号 2024{i:06d}",
        "channel": "api",
        "priority": "normal",
        "requester": {"name": f"压测客户{i % 200}", "email": f"load{i % 200}@example.cn"},
    }


async def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    import httpx
    from sqlalchemy import event

    from kefu.app import create_app
    from kefu.config import Settings
    from kefu.kit import outbound
    from kefu.kit.jobs import Worker

    receiver = Receiver()
    await receiver.start()
    data_dir = Path(tempfile.mkdtemp(prefix="kefu-ticket-path-data-"))
    settings = Settings(
        database_url=url,
        rate_limit="off",
        anonymous_rate_limit="off",
        embedded_worker=False,
        log_level="WARNING",
        data_dir=data_dir,
        outbound_allow=["127.0.0.1"],
    )
    app = create_app(settings)
    statements = 0

    def count(*_a: Any) -> None:
        nonlocal statements
        statements += 1

    # The embedded worker runs jobs inside outbound.keep_alive(); so do the batches here.
    async with app.router.lifespan_context(app), outbound.keep_alive():
        db = app.state.db
        engines = {id(e.sync_engine): e.sync_engine for e in (db.engine, db.read_engine, db.writer_engine)}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=120) as c:

            async def token(email: str) -> str:
                r = await c.post("/api/v1/auth/token", json={"email": email, "password": "kefu-demo"})
                r.raise_for_status()
                return str(r.json()["access_token"])

            agent = {"Authorization": f"Bearer {await token('agent1@kefu.demo')}"}
            if not args.no_webhook:
                admin = {"Authorization": f"Bearer {await token('admin@kefu.demo')}"}
                r = await c.post(
                    "/api/v1/webhooks",
                    headers=admin,
                    json={
                        "name": "bench",
                        "url": f"http://127.0.0.1:{receiver.port}/hook",
                        "events": ["ticket.created", "ticket.updated", "ticket.solved"],
                    },
                )
                r.raise_for_status()
            worker = Worker(db, concurrency=4)
            latencies: list[float] = []

            async def drive(n: int, offset: int) -> None:
                """n requests, `concurrency` at a time (closed loop)."""
                numbers = iter(range(offset, offset + n))

                async def one_client() -> None:
                    for i in numbers:
                        t0 = time.perf_counter()
                        r = await c.post("/api/v1/tickets", json=_body(i), headers=agent)
                        latencies.append((time.perf_counter() - t0) * 1000)
                        if r.status_code != 201:
                            raise RuntimeError(f"HTTP {r.status_code}: {r.text[:300]}")

                await asyncio.gather(*(one_client() for _ in range(args.concurrency)))

            await drive(args.warmup, 0)  # warm caches and compiled statements
            await worker.run_until_idle(max_rounds=100_000, concurrent=True)
            latencies.clear()
            receiver.count = 0
            for e in engines.values():
                event.listen(e, "before_cursor_execute", count)
            profiler = None
            if args.profile:
                from pyinstrument import Profiler

                profiler = Profiler(async_mode="disabled", interval=0.0005)
                profiler.start()
            # Batches of requests, each followed by the jobs it queued: the smallest and the
            # median CPU per ticket over batches hold up better than one total when other
            # processes share the cores.
            req_cpu: list[float] = []
            job_cpu: list[float] = []
            jobs_done = request_statements = 0
            wall_requests = wall_jobs = 0.0
            size = max(1, args.tickets // args.batches)
            for b in range(args.batches):
                before = statements
                w0, c0 = time.perf_counter(), time.process_time()
                await drive(size, args.warmup + b * size)
                w1, c1 = time.perf_counter(), time.process_time()
                request_statements += statements - before
                if not args.requests_only:
                    jobs_done += await worker.run_until_idle(max_rounds=100_000, concurrent=True)
                w2, c2 = time.perf_counter(), time.process_time()
                req_cpu.append((c1 - c0) / size * 1000)
                job_cpu.append((c2 - c1) / size * 1000)
                wall_requests += w1 - w0
                wall_jobs += w2 - w1
            if profiler is not None:
                profiler.stop()
                Path(args.profile).write_text(profiler.output_text(unicode=True, show_all=False))
            for e in engines.values():
                event.remove(e, "before_cursor_execute", count)
    await receiver.stop()
    shutil.rmtree(data_dir, ignore_errors=True)  # its secret key, attachments
    n = size * args.batches
    return {
        "bench": "ticket_path",
        "backend": "sqlite" if url.startswith("sqlite") else "postgresql",
        "machine": f"{os.cpu_count()} cores",
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "tickets": n,
        "batches": args.batches,
        "concurrency": args.concurrency,
        "webhook": not args.no_webhook,
        "requests": {
            "cpu_ms_per_ticket": round(statistics.median(req_cpu), 2),
            "cpu_ms_per_ticket_min": round(min(req_cpu), 2),
            "wall_s": round(wall_requests, 2),
            "tickets_per_second": round(n / wall_requests, 1),
            "p50_ms": _pct(latencies, 50),
            "p99_ms": _pct(latencies, 99),
            "statements_per_ticket": round(request_statements / n, 1),
        },
        "jobs": {
            "done": jobs_done,
            "per_ticket": round(jobs_done / n, 2),
            "cpu_ms_per_ticket": round(statistics.median(job_cpu), 2),
            "cpu_ms_per_ticket_min": round(min(job_cpu), 2),
            "wall_s": round(wall_jobs, 2),
            "statements_per_ticket": round((statements - request_statements) / n, 1),
            "webhook_deliveries": receiver.count,
        },
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    from kefu import registry

    registry.load_all()
    if args.pg_template:
        url, name = await pg_copy(args.pg_template)
        try:
            return await run(url, args)
        finally:
            await pg_drop(name)
    if not args.db:
        raise SystemExit("--db (a kefu demo SQLite file) or --pg-template (a demo PG database)")
    url = sqlite_copy(args.db)
    try:
        return await run(url, args)
    finally:  # the copy (~40 MB of a demo database) and its WAL: each run left them in /tmp
        shutil.rmtree(Path(url.split(":///", 1)[1]).parent, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", help="a `kefu demo` SQLite database to copy")
    ap.add_argument("--pg-template", help="a `kefu demo` PostgreSQL database to copy (CREATE ... TEMPLATE)")
    ap.add_argument("--tickets", type=int, default=400)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--batches", type=int, default=8, help="measured batches (CPU: median and min)")
    ap.add_argument("--no-webhook", action="store_true", help="no webhook subscription")
    ap.add_argument("--requests-only", action="store_true", help="do not run the queued jobs")
    ap.add_argument("--profile", help="write a pyinstrument text profile of the measured part here")
    args = ap.parse_args()
    print(json.dumps(asyncio.run(main_async(args)), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
