"""90 days of realistic history for the demo company, so every report, the forecast and the
staffing page have data: tickets across channels, categories, groups and priorities with
first replies, solves, some reopens and SLA clocks computed by the SLA engine's own calendar
and policy matching (breaches included); chats with messages, bot-contained or handed off;
CSAT and NPS surveys; weekly and intraday patterns, quiet statutory holidays, and a spike
after 双十一 (Nov 11) and after 国庆.

This is the demo loader, not a user action: rows are written in bulk straight through the
models (with the events the services would have appended), in one transaction, from a
seeded RNG (same day, same data). A marker setting makes a second `kefu demo` a no-op.

By what it generates: `world` (the traffic's shape and the company), `chats`, `tickets`
(with their SLA clocks), `surveys`, `inserting`; `load` walks the days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kefu.demo.history.chats import chat
from kefu.demo.history.inserting import insert
from kefu.demo.history.surveys import nps
from kefu.demo.history.tickets import ticket
from kefu.demo.history.world import CHANNELS, HOURS, MARKER, SEED, TOPICS, TZ, World, build_world, day_volume
from kefu.models import SettingValue


async def load(session: AsyncSession, days: int) -> int:
    """Generate `days` days of history before today once; returns the tickets created."""
    if days <= 0 or await session.get(SettingValue, MARKER) is not None:
        return 0
    world = await build_world(session, days)
    if world is None:
        return 0
    today = world.now.astimezone(TZ).date()
    for offset in range(days, 0, -1):
        _day(world, today - timedelta(days=offset), days - offset)
    nps(world)
    await insert(session, world.rows)
    session.add(
        SettingValue(key=MARKER, value={"days": days, "seed": SEED, "tickets": len(world.rows.tickets)})
    )
    return len(world.rows.tickets)


def _day(world: World, day: date, index: int) -> None:
    rng = world.rng
    after_singles_day = 0 <= (day - date(day.year, 11, 11)).days < 6
    for _ in range(day_volume(world, day, index)):
        hour = rng.choices(range(24), HOURS)[0]
        local = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=TZ)
        at = local.astimezone(UTC)
        if at >= world.now - timedelta(minutes=30):
            continue
        channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
        weights = [
            t[2] * (3.0 if after_singles_day and t[0] in ("售后/物流", "投诉/物流") else 1.0) for t in TOPICS
        ]
        topic = rng.choices(TOPICS, weights)[0]
        customer_id, tier = rng.choice(world.customers)
        if channel in ("chat", "wechat"):
            chat(world, at, channel, topic, customer_id, tier)
        else:
            ticket(world, at, channel, topic, customer_id, tier, conversation_id=None)
