"""CPU and wall time of the chat hot path in-process: a customer's message through
`conversation.intake` (stored, acknowledged, answered by the demo's NLU bot), without
sockets, on a copy of a demo SQLite database. Socket and HTTP costs are `chat_load.py`'s.

    .venv/bin/python bench/chat_path.py --db var/kefu.db      # a `kefu demo` database
    .venv/bin/python bench/chat_path.py                       # builds a demo first (~1 min)
    .venv/bin/python bench/chat_path.py --backend postgresql  # a demo in a new PostgreSQL
                                                              # database (dropped after)
    ... --profile out.prof     # cProfile of the 50-in-flight part (pstats; inflates times)

Prints one JSON record: per message, process CPU (all threads: the encoder's worker thread
included), event-loop thread CPU, and wall time, sequential and with 50 messages in flight;
plus the writer's units per commit. CPU time, unlike wall time, holds up on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from support.cluster import drop_database, new_database

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ["请问怎么退货？", "发货要多久", "保修多久", "发票怎么开", "怎么申请发票", "耳机保修几个月"]
# --unique: every message a text of its own (fillers around the question), as real traffic
# is, so no embedding or prediction cached for an earlier identical text is reused.
FILLERS = ["呢", "啊", "呀", "吧", "哦", "嘛", "谢谢", "请问", "麻烦", "你好", "在吗", "急"]


def text_for(i: int, unique: bool) -> str:
    base = TEXTS[i % len(TEXTS)]
    if not unique:
        return base
    n, words = i, []
    for _ in range(4):
        n, k = divmod(n, len(FILLERS))
        words.append(FILLERS[k])
    return f"{words[0]}{words[1]}，{base}{words[2]}{words[3]}"


def demo_copy(src: str | None) -> Path:
    work = Path(tempfile.mkdtemp(prefix="kefu-chat-path-"))
    if src is None:
        env = {
            **os.environ,
            "KEFU_DATA_DIR": str(work),
            "KEFU_DATABASE_URL": f"sqlite+aiosqlite:///{work}/demo.db",
        }
        subprocess.run([sys.executable, "-m", "kefu.cli", "demo"], env=env, check=True, capture_output=True)
        src = str(work / "demo.db")
    dst = work / "kefu.db"
    with sqlite3.connect(f"file:{src}?mode=ro", uri=True) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    return dst


def pg_demo() -> tuple[str, str]:
    """(database URL, name) of a new PostgreSQL database holding `kefu demo`."""
    name = new_database()
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    work = tempfile.mkdtemp(prefix="kefu-chat-path-")
    env = {**os.environ, "KEFU_DATA_DIR": work, "KEFU_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "kefu.cli", "demo"], env=env, check=True, capture_output=True)
    return url, work


async def run(
    url: str, data_dir: str, sessions: int, sequential: int, batches: int, unique: bool, profile: str | None
) -> dict[str, Any]:
    os.environ["KEFU_DATABASE_URL"] = url
    os.environ["KEFU_DATA_DIR"] = data_dir
    os.environ.setdefault("KEFU_LOG_LEVEL", "WARNING")
    from kefu import registry
    from kefu.bot.engine import install as install_bot
    from kefu.bot.service import bot_service
    from kefu.conversation import intake
    from kefu.conversation.schemas import WidgetSessionIn
    from kefu.conversation.tokens import ChatTicket
    from kefu.kit.db import Database
    from kefu.kit.realtime import InProcessBus, set_bus

    registry.load_all()
    db = Database(os.environ["KEFU_DATABASE_URL"])
    set_bus(InProcessBus())
    install_bot(db)
    async with db.read() as session:
        brain = await bot_service.brain(session)
    chats = []
    for _ in range(sessions):
        conv, customer = await intake.start_session(db, WidgetSessionIn())
        chats.append(ChatTicket(conv, customer))

    async def one(i: int) -> None:
        chat = chats[i % len(chats)]
        accepted = await intake.customer_message(db, chat, uuid.uuid4().hex, text_for(i, unique))
        if accepted.bot is not None:
            await intake.run_bot(db, accepted.bot)

    def clocks() -> tuple[float, float, float]:
        return time.perf_counter(), time.process_time(), time.thread_time()

    def per(start: tuple[float, float, float], n: int) -> dict[str, float]:
        wall, cpu, loop = (b - a for a, b in zip(start, clocks(), strict=True))
        return {
            "cpu_ms": round(cpu / n * 1000, 2),
            "loop_thread_ms": round(loop / n * 1000, 2),
            "wall_ms": round(wall / n * 1000, 2),
            "messages_per_second": round(n / wall, 1),
        }

    for i in range(600_000, 600_030):  # warm caches (brain, compiled statements)
        await one(i)
    start = clocks()
    for i in range(sequential):
        await one(i)
    seq = per(start, sequential)
    writer = db.writer
    units0, commits0 = (writer.stats.units, writer.stats.commits) if writer else (0, 0)
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    start = clocks()
    for b in range(batches):
        await asyncio.gather(*(one(sequential + b * 50 + k) for k in range(50)))
    conc = per(start, batches * 50)
    if prof is not None and profile:
        prof.disable()
        prof.dump_stats(profile)
    units = (writer.stats.units - units0) if writer else 0
    commits = (writer.stats.commits - commits0) if writer else 0
    await db.dispose()
    model = brain.model
    return {
        "bench": "chat_path",
        "machine": f"{os.cpu_count()} cores",
        "backend": "postgresql" if url.startswith("postgresql") else "sqlite",
        "encoder": getattr(model, "encoder", None),
        "unique_texts": unique,
        "sequential": seq,
        "concurrent_50": conc,
        "units_per_commit_concurrent": round(units / max(1, commits), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", help="a demo SQLite database to copy (default: build one)")
    ap.add_argument("--sessions", type=int, default=200)
    ap.add_argument("--sequential", type=int, default=600)
    ap.add_argument("--batches", type=int, default=20, help="rounds of 50 concurrent messages")
    ap.add_argument("--unique", action="store_true", help="a distinct text per message (default: 6 texts)")
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--profile", help="write a cProfile of the concurrent part to this file")
    args = ap.parse_args()
    name = None
    if args.backend == "postgresql":
        url, data_dir = pg_demo()
        name = url.rsplit("/", 1)[1]
    else:
        db_file = demo_copy(args.db)
        url, data_dir = f"sqlite+aiosqlite:///{db_file}", str(db_file.parent)
    try:
        result = asyncio.run(
            run(url, data_dir, args.sessions, args.sequential, args.batches, args.unique, args.profile)
        )
    finally:
        if name is not None:
            drop_database(name)
    print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
