"""Business-time computation speed (target ≥ 200,000 due-time computations/s on one core for
split shifts and a year of holidays). Prints JSON records.
Usage: .venv/bin/python bench/sla_calendar.py [--n 200000]"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kefu.sla.calendar import add_business_minutes, business_minutes_between, parse_schedule

SCHEDULE = {
    "name": "split shifts",
    "timezone": "Asia/Shanghai",
    "intervals": [
        {"weekday": d, "start": s, "end": e}
        for d in range(5)
        for s, e in (("09:00", "12:00"), ("13:30", "18:00"))
    ]
    + [{"weekday": 5, "start": "10:00", "end": "16:00"}],
    "holidays": [f"2026-{m:02d}-{d:02d}" for m in range(1, 13) for d in (7, 21)],
    "workdays": [],
    "cn_statutory": True,
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=200_000)
    args = ap.parse_args()
    cal = parse_schedule(SCHEDULE)
    tz = ZoneInfo("Asia/Shanghai")
    rng = random.Random(1)
    base = datetime(2026, 1, 1, tzinfo=tz)
    starts = [base + timedelta(seconds=rng.randrange(0, 360 * 86400)) for _ in range(10_000)]
    targets = [rng.choice((30, 120, 240, 480, 1920)) for _ in range(10_000)]  # 30 min .. 4 business days
    add_business_minutes(cal, starts[0], 30)  # lay out the timeline once, as a warm process has
    t0 = time.perf_counter()
    for i in range(args.n):
        add_business_minutes(cal, starts[i % 10_000], targets[i % 10_000])
    add_s = time.perf_counter() - t0
    ends = [s + timedelta(hours=rng.randrange(1, 200)) for s in starts]
    t0 = time.perf_counter()
    for i in range(args.n):
        business_minutes_between(cal, starts[i % 10_000], ends[i % 10_000])
    between_s = time.perf_counter() - t0
    info = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor(),
    }
    print(
        json.dumps(
            {
                "bench": "sla_calendar.add_business_minutes",
                "n": args.n,
                "ops_per_s": round(args.n / add_s),
                **info,
            }
        )
    )
    print(
        json.dumps(
            {
                "bench": "sla_calendar.business_minutes_between",
                "n": args.n,
                "ops_per_s": round(args.n / between_s),
                **info,
            }
        )
    )


if __name__ == "__main__":
    main()
