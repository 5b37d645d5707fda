"""Ticket creation through the API with SLA applied: requests/s and latency on SQLite and
PostgreSQL, against a real `kefu serve` on loopback. Prints JSON records.

Usage: .venv/bin/python bench/ticket_create.py [--requests 2000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(*args: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "kefu.cli", *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )


async def _drive(url: str, token: str, total: int, concurrency: int) -> dict[str, float]:
    lat: list[float] = []
    errors = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(total):
        queue.put_nowait(i)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            t0 = time.perf_counter()
            r = await client.post(
                "/api/v1/tickets",
                json={
                    "subject": f"压测工单 {i}",
                    "description": "手机充不进电",
                    "channel": "web",
                    "priority": "urgent",
                    "category": "售后/维修",
                    "requester": {"name": "压测", "email": f"load{i % 500}@example.cn"},
                },
            )
            lat.append((time.perf_counter() - t0) * 1000)
            errors += r.status_code != 201

    async with httpx.AsyncClient(
        base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    lat.sort()
    return {
        "requests_per_s": round(total / elapsed, 1),
        "p50_ms": round(statistics.median(lat), 1),
        "p99_ms": round(lat[int(len(lat) * 0.99) - 1], 1),
        "errors": errors,
    }


def run(backend: str, db_url: str, total: int, concurrency: int) -> dict[str, object]:
    env = {
        **os.environ,
        "KEFU_DATABASE_URL": db_url,
        "KEFU_RATE_LIMIT": "off",
        "KEFU_LOG_LEVEL": "WARNING",
        "KEFU_DATA_DIR": tempfile.mkdtemp(),
    }
    env.pop("KEFU_REDIS_URL", None)
    _cli("demo", env=env)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kefu.cli", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        token = httpx.post(
            f"{url}/api/v1/auth/token", json={"email": "agent1@kefu.demo", "password": "kefu-demo"}
        ).json()["access_token"]
        asyncio.run(_drive(url, token, 50, 4))  # warm-up
        result = asyncio.run(_drive(url, token, total, concurrency))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {
        "bench": "ticket.create_api",
        "backend": backend,
        "requests": total,
        "concurrency": concurrency,
        **result,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=16)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    print(json.dumps(run("sqlite", f"sqlite+aiosqlite:///{tmp}/bench.db", args.requests, args.concurrency)))
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "DROP DATABASE IF EXISTS kefu_bench_tickets"],
        check=False,
        capture_output=True,
    )
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "CREATE DATABASE kefu_bench_tickets"],
        check=True,
        capture_output=True,
    )
    print(
        json.dumps(
            run(
                "postgresql",
                "postgresql+asyncpg://postgres@127.0.0.1:5432/kefu_bench_tickets",
                args.requests,
                args.concurrency,
            )
        )
    )


if __name__ == "__main__":
    main()
