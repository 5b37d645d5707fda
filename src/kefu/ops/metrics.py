"""Gauges read from the database when Prometheus scrapes `/metrics` (web processes only: in
cluster mode workers serve no HTTP, so what they do is measured where it lands, in the
database). Counters of requests and sockets live in `kefu.middleware`. Names are listed in
docs/monitoring.md; the Grafana dashboard uses them (a test checks it)."""

from __future__ import annotations

import time

from prometheus_client import Gauge

from kefu.kit.db import Database
from kefu.kit.time import ensure_utc, utcnow
from kefu.middleware import JOB_QUEUE
from kefu.ops.service import ops_service

JOB_LAG = Gauge("kefu_job_lag_seconds", "Age of the oldest job due and not yet started")
CHAT_WAITING = Gauge("kefu_chat_waiting", "Conversations waiting in a queue for a human", ["group_id"])
TICKETS_OPEN = Gauge("kefu_tickets_open", "Unsolved tickets by status", ["status"])
SLA_BREACHES_1H = Gauge("kefu_sla_breaches_last_hour", "SLA breaches emitted in the last hour")
SLA_BREACHED_OPEN = Gauge("kefu_sla_breached_open_tickets", "Unsolved tickets with a breached running clock")
BOT_CLOSED = Gauge("kefu_bot_conversations_closed_24h", "Chat-like conversations closed in the last 24 hours")
BOT_CONTAINMENT = Gauge(
    "kefu_bot_containment_ratio",
    "Share of conversations closed in the last 24 h that never queued for a human",
)

# Business gauges are cached: several web processes scraped every 15 s must not rescan tables.
_CACHE_SECONDS = 30.0
_last_refresh = 0.0


async def refresh(db: Database, *, force: bool = False) -> None:
    global _last_refresh
    now = utcnow()
    async with db.session() as session:
        for status in ("queued", "running", "done", "dead"):
            JOB_QUEUE.labels(status).set(0)
        for status, count in (await ops_service.queue_counts(session)).items():
            JOB_QUEUE.labels(status).set(count)
        oldest = await ops_service.oldest_ready_job(session, now)
        JOB_LAG.set(max(0.0, (now - ensure_utc(oldest)).total_seconds()) if oldest else 0.0)
        if not force and time.monotonic() - _last_refresh < _CACHE_SECONDS:
            return
        counts = await ops_service.operational_counts(session, now)
    _last_refresh = time.monotonic()
    CHAT_WAITING.clear()
    for group, n in counts["waiting"].items():
        CHAT_WAITING.labels(group).set(n)
    for status in ("new", "open", "pending", "hold"):
        TICKETS_OPEN.labels(status).set(counts["tickets"].get(status, 0))
    SLA_BREACHES_1H.set(counts["breaches_1h"])
    SLA_BREACHED_OPEN.set(counts["breached_open"])
    BOT_CLOSED.set(counts["bot_closed_24h"])
    closed = counts["bot_closed_24h"]
    BOT_CONTAINMENT.set(counts["bot_contained_24h"] / closed if closed else float("nan"))
