"""Ticket create over HTTP, kefu vs django-helpdesk 2.6.1, in one run, on SQLite or
PostgreSQL, with kefu's SLA policies, triggers and a webhook subscription on.

The same client and django-helpdesk project as ../shared/bench/peers/compare.sh (its
ticket_load.py and make_dh_project.py), one server process each, one after the other. What
compare.sh does not: kefu gets a webhook subscription to ticket events, answered by a
loopback receiver here, so every ticket is also delivered (the issue's "SLA + triggers +
webhooks on"; the demo already has its SLA policies and triggers), and `--backend postgresql`
runs both servers on PostgreSQL (django-helpdesk with psycopg and persistent connections,
CONN_MAX_AGE=60, the setting Django's docs give for speed).

    .venv/bin/python bench/ticket_peers.py --backend sqlite|postgresql [--n 1000] [--c 16]
        [--targets kefu,dh] [--dh-venv /tmp/peers/dh-venv] [--work /tmp/peers/ticket_peers]

Needs the dh venv of ../shared/bench/peers/README.md (+ `pip install "psycopg[binary]"` for
PostgreSQL). Prints one JSON line per target (the client's: per_second, p50/p95/p99 ms),
one per target with what the server wrote and, for kefu, how long its job backlog took to
drain after the load and how many webhook deliveries arrived, and one line of ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PEERS = ROOT.parent / "shared" / "bench" / "peers"  # --peers elsewhere
PG = "postgresql://postgres@127.0.0.1:5432"
PY = sys.executable


def emit(record: dict[str, Any]) -> None:
    print(json.dumps(record, ensure_ascii=False), flush=True)


def run(argv: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    """A set-up step, waited for (nothing else runs meanwhile)."""
    return subprocess.run(argv, check=True, text=True, **kw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Receiver:
    """Webhook endpoint on loopback: 200 to every POST, counted."""

    def __init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.count += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                return None

        self.count = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


async def pg_recreate(name: str) -> None:
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(f"{PG}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def pending_jobs(url: str) -> int:
    """kefu's jobs due or running now (what the embedded worker still has to do)."""
    sql = "SELECT count(*) FROM jobs WHERE status = 'running' OR (status = 'queued' AND run_at <= {now})"
    if url.startswith("sqlite"):
        import sqlite3

        path = url.split("///", 1)[1]
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as con:
            now = "strftime('%Y-%m-%d %H:%M:%f', 'now')"
            return int(con.execute(sql.format(now=now)).fetchone()[0])
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        return int(await conn.fetchval(sql.format(now="now()")))
    finally:
        await conn.close()


async def wait_idle(url: str, limit: float = 600) -> dict[str, Any]:
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:  # bounded
        if await pending_jobs(url) == 0:
            return {"waited_s": round(time.monotonic() - t0, 1), "idle": True}
        await asyncio.sleep(0.5)
    return {"waited_s": round(time.monotonic() - t0, 1), "idle": False}


async def count_rows(url: str, tables: list[str]) -> dict[str, int]:
    if url.startswith("sqlite"):
        import sqlite3

        path = url.split("///", 1)[1]
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as con:
            return {t: int(con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}  # noqa: S608
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        return {t: int(await conn.fetchval(f'SELECT count(*) FROM "{t}"')) for t in tables}  # noqa: S608
    finally:
        await conn.close()


class Server:
    def __init__(self, argv: list[str], env: dict[str, str], log: Path, cwd: Path) -> None:
        self.log = log.open("w")
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT)

    def ready(self, url: str, limit: float = 180) -> None:
        import httpx

        t0 = time.monotonic()
        while time.monotonic() - t0 < limit:  # bounded
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early, see {self.log.name}")
            try:
                httpx.get(url, timeout=2)
                return
            except httpx.HTTPError:
                time.sleep(0.5)
        raise RuntimeError(f"server not ready at {url}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def load(
    target: str, url: str, token: str, args: argparse.Namespace, between: str, queue: str = ""
) -> dict[str, Any]:
    work = Path(args.work)
    argv = [
        PY, str(Path(args.peers) / "ticket_load.py"), "--target", target, "--url", url, "--token", token,
        "--n", str(args.n), "--c", str(args.c), "--warmup", str(args.warmup),
        "--warmup-out", str(work / f"{target}-warmup.json"),
        "--latencies-out", str(work / f"{target}-latencies.json"),
    ]  # fmt: skip
    if queue:
        argv += ["--queue", queue]
    if between:
        argv += ["--between", between]
    out = run(argv, capture_output=True, timeout=3600).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


async def bench_kefu(args: argparse.Namespace) -> dict[str, Any]:
    import httpx

    work = Path(args.work)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    if args.backend == "sqlite":
        path = work / "kefu.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        db_url = f"sqlite+aiosqlite:///{path}"
    else:
        await pg_recreate("kefu_bench_peers")
        db_url = "postgresql+asyncpg://postgres@127.0.0.1:5432/kefu_bench_peers"
    receiver = Receiver()
    env = {
        **os.environ,
        "KEFU_DATABASE_URL": db_url,
        "KEFU_RATE_LIMIT": "off",
        "KEFU_SECRET_KEY": "bench-" + "x" * 40,
        "KEFU_DEMO_HISTORY_DAYS": "0",
        "KEFU_DATA_DIR": str(work / "kefu-data"),
        "KEFU_OUTBOUND_ALLOW": json.dumps(["127.0.0.1"]),  # the receiver and the demo ERP
        "PYTHONPATH": str(ROOT / "src"),
    }
    kefu = [PY, "-m", "kefu.cli"]
    with (work / "kefu-setup.log").open("w") as log:
        run([*kefu, "migrate"], env=env, cwd=ROOT, stdout=log, stderr=log)
        run([*kefu, "demo"], env=env, cwd=ROOT, stdout=log, stderr=log, timeout=900)
    server = Server(
        [*kefu, "serve", "--host", "127.0.0.1", "--port", str(port)], env, work / "kefu-server.log", ROOT
    )
    try:
        server.ready(f"{url}/healthz")
        async with httpx.AsyncClient(base_url=url, timeout=60) as c:

            async def token(email: str) -> str:
                r = await c.post("/api/v1/auth/token", json={"email": email, "password": "kefu-demo"})
                r.raise_for_status()
                return str(r.json()["access_token"])

            agent = await token("agent1@kefu.demo")
            admin = await token("admin@kefu.demo")
            r = await c.post(
                "/api/v1/webhooks",
                headers={"Authorization": f"Bearer {admin}"},
                json={
                    "name": "bench",
                    "url": f"http://127.0.0.1:{receiver.port}/hook",
                    "events": ["ticket.created", "ticket.updated", "ticket.solved"],
                },
            )
            r.raise_for_status()
        boot = await wait_idle(db_url)  # a fresh kefu runs its periodic jobs once at boot
        tables = ["tickets", "jobs", "events", "webhook_deliveries", "applied_slas"]
        before = await count_rows(db_url, tables)
        receiver.count = 0
        between = f"'{PY}' '{__file__}' --wait-idle '{db_url}'"
        result = load("kefu", url, agent, args, between)
        drain = await wait_idle(db_url)
        after = await count_rows(db_url, tables)
    finally:
        server.stop()
        receiver.stop()
    emit(result)
    check = {
        "check": "kefu",
        "backend": args.backend,
        "rows_written": {t: after[t] - before[t] for t in tables},
        "webhook_deliveries_received": receiver.count,
        "boot_jobs": boot,
        "backlog_drain_after_load": drain,
        "per_second_including_drain": round(result["ok"] / (result["seconds"] + drain["waited_s"]), 1),
    }
    emit(check)
    return result


async def bench_dh(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(args.work)
    dh_py = str(Path(args.dh_venv) / "bin" / "python")
    project = work / "dh_project"
    if not (project / "manage.py").exists():
        env = {**os.environ, "DH_PROJECT": str(project)}
        make = str(Path(args.peers) / "make_dh_project.py")
        run([PY, make], env=env, capture_output=True)
    (project / "dhsite" / "settings_pg.py").write_text(
        "from .settings import *  # noqa: F403\n"
        "import os\n"
        'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": os.environ["DH_PG_DB"],\n'
        '    "USER": "postgres", "HOST": "127.0.0.1", "PORT": 5432, "CONN_MAX_AGE": 60}}\n'
    )
    env = {**os.environ, "DH_MEDIA": str(work / "dh-media")}
    env.pop("PYTHONPATH", None)
    if args.backend == "sqlite":
        db = work / "dh.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        env["DH_DB"] = str(db)
        db_url = f"sqlite+aiosqlite:///{db}"
    else:
        await pg_recreate("kefu_bench_peers_dh")
        env["DH_PG_DB"] = "kefu_bench_peers_dh"
        env["DJANGO_SETTINGS_MODULE"] = "dhsite.settings_pg"
        db_url = f"{PG.replace('postgresql', 'postgresql+asyncpg')}/kefu_bench_peers_dh"
    with (work / "dh-setup.log").open("w") as log:
        run([dh_py, "manage.py", "migrate", "-v0"], env=env, cwd=project, stdout=log, stderr=log)
        boot = run([dh_py, "dh_bootstrap.py"], env=env, cwd=project, capture_output=True)
    creds = json.loads(boot.stdout.strip().splitlines()[-1])
    port = free_port()
    gunicorn = str(Path(args.dh_venv) / "bin" / "gunicorn")
    server = Server(
        [gunicorn, "dhsite.wsgi:application", "--chdir", str(project), "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--worker-class", "gthread", "--threads", "4", "--log-level", "warning",
         "--no-control-socket"],
        env, work / "dh-server.log", project,
    )  # fmt: skip
    try:
        server.ready(f"http://127.0.0.1:{port}/api/")
        before = await count_rows(db_url, ["helpdesk_ticket", "helpdesk_followup"])
        result = load("dh", f"http://127.0.0.1:{port}", creds["token"], args, "", str(creds["queue"]))
        after = await count_rows(db_url, ["helpdesk_ticket", "helpdesk_followup"])
    finally:
        server.stop()
    emit(result)
    emit({"check": "dh", "backend": args.backend, "rows_written": {t: after[t] - before[t] for t in after}})
    return result


async def main_async(args: argparse.Namespace) -> None:
    Path(args.work).mkdir(parents=True, exist_ok=True)
    emit(
        {
            "bench": "ticket_peers",
            "backend": args.backend,
            "load_average": [round(x, 2) for x in os.getloadavg()],
        }
    )
    results: dict[str, dict[str, Any]] = {}
    for target in args.targets.split(","):
        results[target] = await (bench_kefu(args) if target == "kefu" else bench_dh(args))
    ratios: dict[str, Any] = {"backend": args.backend, "load_average": [round(x, 2) for x in os.getloadavg()]}
    if "kefu" in results and "dh" in results:
        k, d = results["kefu"], results["dh"]
        ratios["kefu/django-helpdesk per_second"] = round(k["per_second"] / d["per_second"], 3)
        ratios["kefu/django-helpdesk p99"] = round(k["p99_ms"] / d["p99_ms"], 3)
    emit({"ratios": ratios})


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--wait-idle":  # ticket_load.py's --between hook
        print(json.dumps(asyncio.run(wait_idle(sys.argv[2]))), flush=True)
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--targets", default="kefu,dh")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--c", type=int, default=16)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--dh-venv", default="/tmp/peers/dh-venv")
    ap.add_argument("--work", default="/tmp/peers/ticket_peers")
    ap.add_argument("--peers", default=str(PEERS), help="the shared peers bench (ticket_load.py)")
    args = ap.parse_args()
    if not (Path(args.peers) / "ticket_load.py").exists():
        raise SystemExit(f"no {args.peers}/ticket_load.py (the shared peers bench)")
    if shutil.which(str(Path(args.dh_venv) / "bin" / "gunicorn")) is None and "dh" in args.targets:
        raise SystemExit(f"no gunicorn in {args.dh_venv} (see ../shared/bench/peers/README.md)")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
