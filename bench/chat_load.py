"""Open-loop chat load against one `kefu serve` on loopback, and the same load against a
bare ASGI echo server (bench/support/chat_echo_server.py) as the physical reference.

Ramps to N customer sockets (widget session + /ws/chat), connects A agent sockets (online,
receiving the traffic of the conversations handed to them), then sends R customer
messages/s in total for D seconds, each answered by the bot slot. Prints one JSON record
per target: connect success, send→ack and send→bot-reply percentiles, lost messages, RSS
per connection and server CPU.

    .venv/bin/python bench/chat_load.py --customers 10000 --rate 500 --duration 60 --agents 200
    .venv/bin/python bench/chat_load.py --backend cluster ...   # PostgreSQL + Redis

--backend cluster runs the topology issue #21 names (bench/support/cluster.py): a fresh
PostgreSQL database (kefu_bench_*, dropped at the end) with `kefu demo`, Redis,
`kefu serve --workers N` (--web, default 2: N web processes behind one port, realtime over
Redis, KEFU_EMBEDDED_WORKER=false) and one `kefu worker`. Server CPU and RSS are summed over
all of them, the CPU of the database's PostgreSQL backends included (embedded SQLite's is
in-process); `server_cpu_ms_per_message_by_process` splits it, `web_connections` says how the
kernel spread the sockets over the web processes, `jobs_after_settle` what the worker left.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import websockets

from support.cluster import (
    Cluster,
    connections_by_pid,
    drop_database,
    job_summary,
    new_database,
    remove_bench_dirs,
    wait_jobs_drained,
)

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-pass-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(p / 100 * len(values)))] * 1000, 2)


class ProcStats:
    """RSS and CPU seconds of a server process from /proc."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def thread_cpu(self) -> dict[str, list[float]]:
        """[user, system] CPU seconds per thread name (threads of one name summed): says
        whether a message's CPU is the event loop's or the driver's and onnxruntime's."""
        out: dict[str, list[float]] = {}
        tick = os.sysconf("SC_CLK_TCK")
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            with contextlib.suppress(OSError):
                head, tail = task.joinpath("stat").read_text().rsplit(")", 1)
                name = "main" if task.name == str(self.pid) else head.split("(", 1)[1]
                fields = tail.split()
                got = out.setdefault(name, [0.0, 0.0])
                got[0] += int(fields[11]) / tick
                got[1] += int(fields[12]) / tick
        return out


class ClientGc:
    """The load generator's own garbage collections: one process holding 10,000 sockets can
    pause for seconds in a full collection, and every ack read after it looks that late.
    Reported so a tail is not blamed on the server when the client made it."""

    def __init__(self) -> None:
        self.pauses: list[tuple[float, float, int]] = []  # (start, seconds, generation)
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._started = now
        else:
            self.pauses.append((self._started, now - self._started, info.get("generation", 0)))

    def summary(self, since: float) -> dict[str, Any]:
        during = [(t - since, s, g) for t, s, g in self.pauses if t >= since]
        return {
            "collections": len(during),
            "total_ms": round(sum(s for _, s, _ in during) * 1000, 1),
            "max_ms": round(max((s for _, s, _ in during), default=0.0) * 1000, 1),
            # [seconds into the messages, ms, generation] of each pause over 50 ms
            "long": [[round(t, 1), round(s * 1000), g] for t, s, g in during if s >= 0.05],
        }


CLIENT_GC = ClientGc()


class ClientLag:
    """How late the load generator's own event loop wakes (a 50 ms heartbeat): a client too
    busy to read its sockets makes every reply it reads late look like the server's."""

    def __init__(self) -> None:
        self.beats: list[tuple[float, float]] = []  # (when, seconds late)

    async def run(self) -> None:
        while True:
            due = time.perf_counter() + 0.05
            await asyncio.sleep(0.05)
            now = time.perf_counter()
            self.beats.append((now, max(0.0, now - due)))

    def max_by_window(self, start: float, window: float = 5.0) -> list[float]:
        worst: dict[int, float] = {}
        for at, late in self.beats:
            if at >= start:
                i = int((at - start) // window)
                worst[i] = max(worst.get(i, 0.0), late)
        return [round(worst.get(i, 0.0) * 1000, 1) for i in range(max(worst, default=-1) + 1)]


class Customer:
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.pending: dict[str, float] = {}  # client_id -> send time
        self.ack_seq: dict[int, float] = {}  # acked seq -> send time (awaiting the bot reply)
        # An inline bot's answer is committed with the message, so it may arrive before the ack.
        self.early_bot: list[tuple[int, float]] = []


class Stats:
    def __init__(self) -> None:
        self.sent = 0
        self.acks: list[float] = []
        self.replies: list[float] = []
        self.reply_sent: list[float] = []  # each reply's send time, beside `replies`
        self.agent_deliveries = 0
        self.errors = 0
        self.error_codes: dict[str, int] = {}  # by code: `overloaded` is retryable, refused before anything

    def reply(self, sent: float, now: float) -> None:
        self.replies.append(now - sent)
        self.reply_sent.append(sent)

    def reply_p99_by_window(self, start: float, window: float = 5.0) -> list[float | None]:
        """Bot-reply p99 (ms) of the messages sent in each `window` seconds from `start`:
        says whether a tail is spread over the run or one stall (a job, a GC, the ramp)."""
        buckets: dict[int, list[float]] = {}
        for sent, took in zip(self.reply_sent, self.replies, strict=True):
            buckets.setdefault(int((sent - start) // window), []).append(took)
        return [pct(buckets.get(i, []), 99) for i in range(max(buckets, default=-1) + 1)]


async def reader(c: Customer, stats: Stats) -> None:
    try:
        async for raw in c.ws:
            frame = json.loads(raw)
            kind = frame.get("type")
            now = time.perf_counter()
            if kind == "ack":
                t0 = c.pending.pop(frame["client_id"], None)
                if t0 is not None:
                    stats.acks.append(now - t0)
                    early = [t for s, t in c.early_bot if s > frame["seq"]]
                    if early:
                        stats.reply(t0, min(early))
                        c.early_bot = [(s, t) for s, t in c.early_bot if s <= frame["seq"]]
                    else:
                        c.ack_seq[frame["seq"]] = t0
            elif kind == "message" and frame.get("sender") == "bot":
                waiting = [s for s in c.ack_seq if s < frame["seq"]]
                for seq in waiting:
                    stats.reply(c.ack_seq.pop(seq), now)
                if not waiting and c.pending:
                    c.early_bot.append((frame["seq"], now))
            elif kind == "error":
                stats.errors += 1
                code = str(frame.get("code"))
                stats.error_codes[code] = stats.error_codes.get(code, 0) + 1
    except websockets.ConnectionClosed:
        return


async def agent_reader(ws: Any, stats: Stats) -> None:
    with contextlib.suppress(websockets.ConnectionClosed):
        async for raw in ws:
            if json.loads(raw).get("type") == "message":
                stats.agent_deliveries += 1


async def bounded(n: int, coros: list[Any]) -> list[Any]:
    gate = asyncio.Semaphore(n)

    async def run(c: Any) -> Any:
        async with gate:
            try:
                return await c
            except Exception as exc:
                return exc

    return await asyncio.gather(*(run(c) for c in coros))


async def make_agents(base: str, count: int) -> list[str]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        r = await http.post("/api/v1/auth/token", json={"email": "admin@kefu.demo", "password": "kefu-demo"})
        admin = {"Authorization": f"Bearer {r.json()['access_token']}"}
        groups = (await http.get("/api/v1/groups", headers=admin)).json()["items"]
        default = [g["id"] for g in groups if g.get("is_default")]
        tag = uuid.uuid4().hex[:6]

        async def one(i: int) -> str:
            email = f"bench{tag}{i}@kefu.demo"
            await http.post(
                "/api/v1/users",
                json={
                    "email": email,
                    "name": f"压测坐席{i}",
                    "password": PASSWORD,
                    "role": "agent",
                    "group_ids": default,
                },
                headers=admin,
            )
            t = await http.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
            return str(t.json()["access_token"])

        return [t for t in await bounded(8, [one(i) for i in range(count)]) if isinstance(t, str)]


class Retries:
    sessions = 0  # widget sessions retried once after a stale keep-alive connection
    first: str | None = None


async def session_token(http: httpx.AsyncClient) -> str:
    try:
        r = await http.post("/api/v1/widget/sessions", json={})
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        # The server closed an idle keep-alive connection (uvicorn: after 5 s) just as the
        # pool reused it: EOF before any response byte, the request never reached the app.
        # Once more on a fresh connection; counted, and the first one shown.
        Retries.sessions += 1
        Retries.first = Retries.first or repr(exc)[:300]
        r = await http.post("/api/v1/widget/sessions", json={})
    r.raise_for_status()
    return str(r.json()["session_token"])


def failures(results: list[Any], kind: type) -> tuple[int, str | None]:
    """(how many results are not `kind`, the first failure's text)."""
    bad = [r for r in results if not isinstance(r, kind)]
    return len(bad), (repr(bad[0])[:300] if bad else None)


async def run_load(
    base: str, ws_base: str, args: argparse.Namespace, stats_of: ProcStats, echo: bool
) -> dict[str, Any]:
    stats = Stats()
    agents: list[Any] = []
    tasks: list[asyncio.Task[None]] = []
    if not echo and args.agents:
        for tok in await make_agents(base, args.agents):
            try:
                ws = await websockets.connect(f"{ws_base}/ws/agent?token={tok}", max_queue=None)
            except Exception as exc:
                print(f"agent socket refused: {exc!r}", file=sys.stderr)
                continue
            await ws.send(json.dumps({"type": "presence", "status": "online"}))
            agents.append(ws)
            tasks.append(asyncio.create_task(agent_reader(ws, stats)))
    rss_before = stats_of.rss_mb()
    t_ramp = time.perf_counter()
    session_errors, first_session_error = 0, None
    if echo:
        tokens = ["x"] * args.customers
    else:
        # Idle connections expire before uvicorn's 5 s keep-alive timeout closes them (httpx's
        # default expiry is also 5 s: a race a starved client loses now and then).
        limits = httpx.Limits(max_connections=64, keepalive_expiry=2.0)
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:
            got = await bounded(64, [session_token(http) for _ in range(args.customers)])
        tokens = [t for t in got if isinstance(t, str)]
        session_errors, first_session_error = failures(got, str)
    t_sessions = time.perf_counter() - t_ramp

    async def connect(tok: str) -> Customer:
        ws = await websockets.connect(f"{ws_base}/ws/chat?token={tok}", max_queue=None, open_timeout=60)
        return Customer(ws)

    t_conn = time.perf_counter()
    results = await bounded(200, [connect(t) for t in tokens])
    customers = [c for c in results if isinstance(c, Customer)]
    connect_errors, first_connect_error = failures(results, Customer)
    connect_seconds = time.perf_counter() - t_conn
    for c in customers:
        tasks.append(asyncio.create_task(reader(c, stats)))
    # The client's own heap (10,000 sockets) would make each full collection pause it for
    # ~0.6 s, and every ack read after the pause looks late: the server tuning (kefu.app's
    # tune_process), applied to the load generator. `client_gc` reports what still ran.
    gc.collect()
    gc.freeze()
    gc.set_threshold(200_000, 50, 1000)
    await asyncio.sleep(2)
    rss_after = stats_of.rss_mb()

    # Hand a few conversations to the agents so their sockets carry traffic.
    handed = customers[: min(len(customers), args.agents * 2)] if agents else []
    for c in handed:
        await c.ws.send(json.dumps({"type": "handoff"}))
    await asyncio.sleep(3 if handed else 0)

    # Questions the demo bot answers outright: a question that asks back (an order number)
    # would, repeated at random, end in a hand-off and stop the bot's answers.
    texts = ["请问怎么退货？", "发货要多久", "保修多久", "发票怎么开", "怎么申请发票", "耳机保修几个月"]
    fillers = ["呢", "啊", "呀", "吧", "哦", "嘛", "谢谢", "请问", "麻烦", "你好", "在吗", "急"]

    def text_of(i: int) -> str:
        """--unique: a text of its own per message (fillers around a question), as real
        traffic is: six repeated questions let the server reuse cached embeddings."""
        if not args.unique:
            return random.choice(texts)
        words = [fillers[(i // len(fillers) ** k) % len(fillers)] for k in range(4)]
        return f"{words[0]}{words[1]}，{random.choice(texts)}{words[2]}{words[3]}"

    thread_cpu = getattr(stats_of, "thread_cpu", dict)  # one process's threads (embedded)
    lag = ClientLag()
    tasks.append(asyncio.create_task(lag.run()))
    cpu0, threads0, t0 = stats_of.cpu_seconds(), thread_cpu(), time.perf_counter()
    messages_started_at = datetime.now(UTC).isoformat(timespec="milliseconds")
    interval = 1.0 / args.rate
    next_at = time.perf_counter()
    end = next_at + args.duration
    while time.perf_counter() < end and customers:
        c = random.choice(customers)
        cid = uuid.uuid4().hex
        c.pending[cid] = time.perf_counter()
        stats.sent += 1
        with contextlib.suppress(websockets.ConnectionClosed):
            await c.ws.send(
                json.dumps(
                    {"type": "message", "client_id": cid, "text": text_of(stats.sent)}, ensure_ascii=False
                )
            )
        next_at += interval
        delay = next_at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
    wall = time.perf_counter() - t0
    cpu = stats_of.cpu_seconds() - cpu0
    threads = {
        name: [
            round((u - threads0.get(name, [0.0, 0.0])[0]) * 1000 / max(1, stats.sent), 2),
            round((k - threads0.get(name, [0.0, 0.0])[1]) * 1000 / max(1, stats.sent), 2),
        ]
        for name, (u, k) in thread_cpu().items()
    }
    await asyncio.sleep(args.settle)
    waiting_bot = sum(len(c.ack_seq) for c in customers if c not in handed)
    lost = sum(len(c.pending) for c in customers)
    for t in tasks:
        t.cancel()
    await bounded(500, [c.ws.close() for c in customers] + [a.close() for a in agents])
    return {
        "customers_requested": args.customers,
        "sessions_created": len(tokens),
        "session_errors": session_errors,
        "first_session_error": first_session_error,
        "session_retries": Retries.sessions,
        "first_session_retry": Retries.first,
        "session_seconds": round(t_sessions, 1),
        "connected": len(customers),
        "connect_errors": connect_errors,
        "first_connect_error": first_connect_error,
        "connect_success": round(len(customers) / max(1, args.customers), 4),
        "connect_seconds": round(connect_seconds, 1),
        "agents_connected": len(agents),
        "handed_to_agents": len(handed),
        "rate_target": args.rate,
        "unique_texts": args.unique,
        "sent": stats.sent,
        "rate_achieved": round(stats.sent / wall, 1),
        "acked": len(stats.acks),
        "ack_ms": {"p50": pct(stats.acks, 50), "p95": pct(stats.acks, 95), "p99": pct(stats.acks, 99)},
        "bot_replies": len(stats.replies),
        "bot_reply_ms": {
            "p50": pct(stats.replies, 50),
            "p95": pct(stats.replies, 95),
            "p99": pct(stats.replies, 99),
        },
        "bot_reply_p99_ms_by_5s": stats.reply_p99_by_window(t0),
        "messages_started_at": messages_started_at,
        "client_gc": CLIENT_GC.summary(t0),
        "client_loop_lag_max_ms_by_5s": lag.max_by_window(t0),  # UTC, to match the server's log lines
        "lost_unacked": lost,
        "acked_without_bot_reply": waiting_bot,
        "agent_frames": stats.agent_deliveries,
        "error_frames": stats.errors,
        "error_frames_by_code": stats.error_codes,
        "rss_mb_before": round(rss_before, 1),
        "rss_mb_after_connect": round(rss_after, 1),
        "rss_kb_per_connection": round((rss_after - rss_before) * 1024 / max(1, len(customers)), 1),
        "server_cpu_percent": round(cpu / wall * 100, 1),
        # CPU, unlike latency, holds up on a shared machine: compare runs by this.
        "server_cpu_ms_per_message": round(cpu / max(1, stats.sent) * 1000, 2),
        # [user, system] ms per message by thread: the event loop ("main") vs the rest.
        "thread_cpu_ms_per_message": {k: v for k, v in threads.items() if sum(v) >= 0.01},
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def wait_ready(url: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.3)
    raise RuntimeError("server not ready")


def kefu_env(backend: str) -> dict[str, str]:
    env = {
        **os.environ,
        "KEFU_RATE_LIMIT": "off",
        "KEFU_ANONYMOUS_RATE_LIMIT": "off",
        "KEFU_LOG_LEVEL": "WARNING",
        "KEFU_CHAT_MESSAGES_PER_SECOND": "100",
        "KEFU_CHAT_BURST": "100",
        "KEFU_DATA_DIR": tempfile.mkdtemp(prefix="kefu-bench-"),
    }
    if backend == "cluster":
        env["KEFU_DATABASE_URL"] = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{new_database()}"
        env["KEFU_REDIS_URL"] = "redis://127.0.0.1:6379/0"
        env["KEFU_EMBEDDED_WORKER"] = "false"  # jobs run in `kefu worker`, as in production
    else:
        env["KEFU_DATABASE_URL"] = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='kefu-bench-')}/kefu.db"
    return env


def start(target: str) -> tuple[subprocess.Popen[bytes], dict[str, str], int]:
    port = free_port()
    if target == "echo":
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "support" / "chat_echo_server.py"), str(port)]
        )
        return proc, {}, port
    env = kefu_env(target)
    kefu = [sys.executable, "-m", "kefu.cli"]
    subprocess.run([*kefu, "demo"], env=env, check=True, capture_output=True)
    return subprocess.Popen([*kefu, "serve", "--port", str(port)], env=env, cwd=ROOT), env, port


def stop(target: str, proc: subprocess.Popen[bytes], env: dict[str, str]) -> None:
    proc.terminate()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=30)
    if target == "cluster":
        drop_database(env["KEFU_DATABASE_URL"].rsplit("/", 1)[1])
    remove_bench_dirs(env)


def bench_url(args: argparse.Namespace) -> dict[str, Any]:
    """Load an already running server (to profile it from outside, e.g. with py-spy)."""
    base = args.url.rstrip("/")
    result = asyncio.run(run_load(base, "ws" + base[4:], args, ProcStats(args.pid), False))
    return {"bench": "chat_load", "target": base, "machine": f"{os.cpu_count()} cores", **result}


def bench_cluster(args: argparse.Namespace) -> dict[str, Any]:
    """--backend cluster: `kefu serve --workers N` + `kefu worker` on PostgreSQL + Redis,
    CPU and RSS summed over every process; all stopped and the database dropped after."""
    env, port = kefu_env("cluster"), free_port()
    topo = Cluster.start(env, env["KEFU_DATABASE_URL"].rsplit("/", 1)[1], port, web=args.web)
    try:
        topo.wait_ready(port, args.web)
        drained = wait_jobs_drained(env["KEFU_DATABASE_URL"])
        web = topo.web_pids()
        stats = topo.stats
        spread: dict[int, int] = {}
        done = threading.Event()

        def sample() -> None:  # the most sockets seen open at once, by web process
            while not done.wait(5):
                now = connections_by_pid(port, web)
                if sum(now.values()) > sum(spread.values()):
                    spread.clear()
                    spread.update(now)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            result = asyncio.run(
                run_load(f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}", args, stats, False)
            )
        finally:
            done.set()
            sampler.join()
        cpu0, cpu1 = stats.marks[-2:]  # around the messages, as server_cpu_ms_per_message
        # ms per message by process: each web process, the worker, the uvicorn supervisor.
        roles = {pid: f"web{i}" for i, pid in enumerate(web)} | {
            topo.procs[0].pid: "supervisor",
            topo.procs[1].pid: "worker",
        }
        by_role: dict[str, float] = {}
        for pid, seconds in cpu1.items():
            role = "postgres" if pid in stats.backends else roles.get(pid, "other")
            ms = (seconds - cpu0.get(pid, 0.0)) * 1000 / max(1, result["sent"])
            by_role[role] = round(by_role.get(role, 0.0) + ms, 2)
        jobs = job_summary(topo.database)
        connected = {roles[pid]: n for pid, n in spread.items()}
    finally:
        topo.stop()
        remove_bench_dirs(env)
    return {
        "bench": "chat_load",
        "target": "cluster",
        "machine": f"{os.cpu_count()} cores",
        "web_processes": args.web,
        "job_workers": 1,
        "demo_jobs_drained": drained,
        **result,
        "server_cpu_ms_per_message_by_process": by_role,
        "web_connections": connected,
        "jobs_after_settle": jobs,
    }


def bench(args: argparse.Namespace, target: str) -> dict[str, Any]:
    if target == "cluster":
        return bench_cluster(args)
    proc, env, port = start(target)
    try:
        wait_ready(f"http://127.0.0.1:{port}/healthz", proc)
        drained = wait_jobs_drained(env["KEFU_DATABASE_URL"]) if env else None
        result = asyncio.run(
            run_load(
                f"http://127.0.0.1:{port}",
                f"ws://127.0.0.1:{port}",
                args,
                ProcStats(proc.pid),
                target == "echo",
            )
        )
    finally:
        stop(target, proc, env)
    return {
        "bench": "chat_load",
        "target": target,
        "machine": f"{os.cpu_count()} cores",
        "demo_jobs_drained": drained,
        **result,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=10_000)
    ap.add_argument("--agents", type=int, default=200)
    ap.add_argument("--rate", type=float, default=500.0, help="customer messages per second in total")
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--settle", type=float, default=10.0, help="seconds to wait for late acks/replies")
    ap.add_argument("--backend", choices=["embedded", "cluster", "echo", "all"], default="all")
    ap.add_argument("--web", type=int, default=2, help="cluster: web processes (kefu serve --workers)")
    ap.add_argument("--unique", action="store_true", help="a distinct text per message (default: 6 texts)")
    ap.add_argument("--url", help="load this running server instead of starting one (needs --pid)")
    ap.add_argument("--pid", type=int, help="the running server's process id, for CPU and RSS")
    args = ap.parse_args()
    gc.callbacks.append(CLIENT_GC)
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if args.url:
        print(json.dumps(bench_url(args), ensure_ascii=False), flush=True)
        return
    targets = ["echo", "embedded", "cluster"] if args.backend == "all" else [args.backend]
    for target in targets:
        print(json.dumps(bench(args, target), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
