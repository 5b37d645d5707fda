"""CPU of the cluster fan-out per chat frame: `RedisBus.publish` of N message frames over C
conversation channels, every one received by a subscriber of the same bus (as a web process
publishes a bot reply and its own customer socket receives it back from Redis).

    .venv/bin/python bench/realtime_bus.py                       # 20,000 frames, 50 channels
    .venv/bin/python bench/realtime_bus.py --frames 5000 --channels 1 --gap-ms 2

--gap-ms waits after each publish (a quiet server: one frame per pipeline). Prints one JSON
record: process CPU per frame (publish + receive), wall time, and whether redis-py found the
hiredis parser. Needs Redis on 127.0.0.1:6379 (or --redis).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time

import uvloop
from redis.utils import HIREDIS_AVAILABLE

from kefu.kit.realtime import RedisBus

FRAME = {
    "type": "message",
    "conversation_id": 1,
    "seq": 5,
    "author": "bot",
    "body": "您好，退货请在订单页点击申请售后，我们会在24小时内处理。",
    "created_at": "2026-12-05T04:00:00Z",
    "client_id": "c-1",
}


async def run(url: str, frames: int, channels: int, gap: float) -> dict[str, object]:
    bus = RedisBus(url, prefix=f"bench{os.getpid()}:")
    await bus.start()
    subs = [await bus.subscribe(f"conv:{i}") for i in range(channels)]
    await asyncio.sleep(0.2)
    each = frames // channels
    got = 0

    async def reader(i: int) -> None:
        nonlocal got
        for _ in range(each):
            await subs[i].get()
            got += 1

    async def writer(i: int) -> None:
        for _ in range(each):
            await bus.publish(f"conv:{i}", FRAME)
            if gap:
                await asyncio.sleep(gap)

    readers = [asyncio.create_task(reader(i)) for i in range(channels)]
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(writer(i) for i in range(channels)))
    await asyncio.wait_for(asyncio.gather(*readers), 60)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await bus.close()
    return {
        "bench": "realtime_bus",
        "frames": got,
        "channels": channels,
        "gap_ms": gap * 1000,
        "cpu_us_per_frame": round(cpu / got * 1e6, 1),
        "wall_s": round(wall, 2),
        "hiredis": HIREDIS_AVAILABLE,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    ap.add_argument("--frames", type=int, default=20_000)
    ap.add_argument("--channels", type=int, default=50)
    ap.add_argument("--gap-ms", type=float, default=0.0)
    a = ap.parse_args()
    print(json.dumps(uvloop.run(run(a.redis, a.frames, a.channels, a.gap_ms / 1000)), ensure_ascii=False))


if __name__ == "__main__":
    main()
