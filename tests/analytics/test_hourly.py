"""Hour buckets: a summary over any range, edges not at local midnight included, equals one
raw pass over the source rows (in China's zone and in zones with DST or half-hour offsets),
reads at most the partial hours raw, and a late change to an hour already stored shows after
the next refresh."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
import time_machine

from kefu.analytics.facts import ALL, Builder
from kefu.analytics.metrics import Stats, summarize
from kefu.analytics.service import analytics_service
from kefu.analytics.tasks import refresh
from kefu.analytics.windows import day_start
from kefu.kit.db import Database
from kefu.models import Conversation, Message, Survey
from kefu.models.analytics import HourlyRollup
from kefu.models.sla import AppliedSla
from kefu.models.ticket import Ticket, TicketComment
from kefu.models.user import Role
from tests.analytics.conftest import DAY, at
from tests.factories import bearer, make_customer, make_group, staff_token

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def raw_reads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[datetime, datetime]]:
    """The stretches the summary computed from source rows (the rest came from rollups)."""
    seen: list[tuple[datetime, datetime]] = []
    compute = analytics_service.compute

    async def spy(session: Any, start: datetime, end: datetime, *args: Any, **kw: Any) -> Any:
        seen.append((start, end))
        return await compute(session, start, end, *args, **kw)

    monkeypatch.setattr(analytics_service, "compute", spy)
    return seen


async def _both(
    db: Database, start: datetime, end: datetime, now: datetime, reads: list[tuple[datetime, datetime]]
) -> tuple[dict[str, Any], dict[str, Any], float]:
    """(the summary's numbers, one raw pass's numbers, seconds the summary read raw)."""
    reads.clear()
    async with db.read() as s:
        got = await analytics_service.stats(s, start, end, {}, now=now)
        raw_seconds = sum((b - a).total_seconds() for a, b in reads)
        raw = (await analytics_service.compute(s, start, end, slices=False)).get(ALL, Stats())
    return summarize(got), summarize(raw), raw_seconds


async def _seed(db: Database, first: date, tz: ZoneInfo, seed: int = 3) -> int:
    """Three local days of tickets, SLA clocks, replies, chats with messages and surveys at
    uneven minutes, spread over channels, groups, agents, categories and tiers (so that
    every slice filter keeps some rows and drops others)."""
    rng = random.Random(seed)
    agents = [(await staff_token(db, role=Role.AGENT))[0].id for _ in range(3)]
    start, span = day_start(first, tz), (day_start(first + timedelta(days=3), tz) - day_start(first, tz))
    async with db.transaction() as s:
        groups = [(await make_group(s)).id for _ in range(2)]
        customers = [await make_customer(s, name=f"客户{i}") for i in range(6)]
        for i, c in enumerate(customers):
            c.tier = ("high", "mid", "none")[i % 3]
        tickets: list[Ticket] = []
        n = 0
        for i in range(90):
            created = start + span * rng.random()
            first_reply = created + timedelta(seconds=rng.randint(60, 9000))
            solved = first_reply + timedelta(seconds=rng.randint(600, 40000)) if rng.random() < 0.7 else None
            t = Ticket(
                subject=f"问题{i}",
                status="solved" if solved else "open",
                channel=rng.choice(("web", "email", "phone")),
                category=rng.choice(("投诉/物流", "咨询", "", "投诉")),
                customer_id=rng.choice(customers).id,
                group_id=rng.choice([*groups, None]),
                assignee_id=rng.choice([*agents, None]),
                created_at=created,
                first_replied_at=first_reply,
                solved_at=solved,
                reopen_count=1 if rng.random() < 0.1 else 0,
            )
            s.add(t)
            await s.flush()
            tickets.append(t)
            if solved and rng.random() < 0.5:  # the customer writes again; an agent answers
                asked = first_reply + (solved - first_reply) * rng.random()
                s.add(
                    TicketComment(
                        ticket_id=t.id, author_customer_id=t.customer_id, body="?", created_at=asked
                    )
                )
                answer = asked + (solved - asked) * rng.random()
                s.add(
                    TicketComment(
                        ticket_id=t.id, author_user_id=rng.choice(agents), body="!", created_at=answer
                    )
                )
            late = (first_reply - created).total_seconds() > 3600
            s.add(
                AppliedSla(
                    ticket_id=t.id,
                    metric="first_reply",
                    target_minutes=60,
                    status="fulfilled",
                    started_at=created,
                    due_at=created + timedelta(hours=1),
                    fulfilled_at=first_reply,
                    breached_at=created + timedelta(hours=1) if late else None,
                )
            )
            if solved and rng.random() < 0.5:
                answered = solved + timedelta(minutes=rng.randint(5, 300))
                score = rng.randint(1, 5)
                s.add(
                    Survey(
                        kind="csat",
                        ticket_id=t.id,
                        token=f"t{i}",
                        dedupe_key=f"d{i}",
                        sent_at=solved,
                        expires_at=solved + timedelta(days=14),
                        answered_at=answered,
                        score=score,
                        score_100=(score - 1) * 25,
                        channel="email",
                        customer_id=t.customer_id,
                        group_id=t.group_id,
                        agent_id=t.assignee_id,
                    )
                )
            n += 1
        for _i in range(60):
            created = start + span * rng.random()
            queued = created + timedelta(seconds=rng.randint(10, 200)) if rng.random() < 0.6 else None
            assigned = queued + timedelta(seconds=rng.randint(5, 400)) if queued else None
            conv = Conversation(
                customer_id=rng.choice(customers).id,
                channel=rng.choice(("chat", "wechat")),
                status="closed",
                tier=rng.choice(("high", "mid", "none")),
                group_id=rng.choice(groups) if queued else None,
                ticket_id=rng.choice(tickets).id if rng.random() < 0.3 else None,
                created_at=created,
                first_queued_at=queued,
                queued_at=queued,
                assigned_at=assigned,
                assignee_id=rng.choice(agents) if assigned else None,
                closed_at=(assigned or created) + timedelta(seconds=rng.randint(60, 5000)),
            )
            s.add(conv)
            await s.flush()
            for seq, sender in enumerate(("customer", "agent", "customer", "agent") if assigned else (), 1):
                s.add(
                    Message(
                        conversation_id=conv.id,
                        seq=seq,
                        sender=sender,
                        text="在吗",
                        emotion=rng.choice(("negative", "neutral")) if sender == "customer" else None,
                        created_at=assigned + timedelta(seconds=40 * seq),  # type: ignore[operator]
                    )
                )
    return n


def _ranges(first: date, tz: ZoneInfo, seed: int = 5) -> Iterator[tuple[datetime, datetime]]:
    rng = random.Random(seed)
    base = day_start(first, tz)
    yield base + timedelta(hours=7, minutes=13), base + timedelta(days=2, hours=15, minutes=41)
    yield base + timedelta(hours=23, minutes=30), base + timedelta(days=1, hours=4, minutes=5)  # across DST
    yield base + timedelta(days=1, hours=1, minutes=59), base + timedelta(days=1, hours=3, minutes=1)
    for _ in range(6):
        a = base + timedelta(minutes=rng.randint(0, 3 * 24 * 60 - 60))
        yield a, min(base + timedelta(days=3), a + timedelta(minutes=rng.randint(20, 2 * 24 * 60)))


@pytest.mark.parametrize(
    ("zone", "first"),
    [
        ("Asia/Shanghai", date(2025, 3, 8)),
        ("America/New_York", date(2025, 3, 8)),  # 9 March has 23 hours
        ("Asia/Kolkata", date(2025, 3, 8)),  # hours start at :30 UTC
        ("Australia/Lord_Howe", date(2025, 4, 5)),  # 6 April has 24.5 hours
    ],
)
async def test_any_range_equals_one_raw_pass(
    db: Database,
    configure: Callable[..., Any],
    raw_reads: list[tuple[datetime, datetime]],
    zone: str,
    first: date,
) -> None:
    configure(display_timezone=zone)
    tz = ZoneInfo(zone)
    assert await _seed(db, first, tz) == 90
    # "Now" is inside the third day: its finished hours are stored, the running hour is not.
    now = day_start(first + timedelta(days=2), tz) + timedelta(hours=16, minutes=20)
    with time_machine.travel(now, tick=False):
        await refresh(db)
    checked = 0
    for start, end in [*_ranges(first, tz), (day_start(first, tz) + timedelta(minutes=1), now)]:
        end = min(end, now)
        if start >= end:
            continue
        got, want, raw_seconds = await _both(db, start, end, now, raw_reads)
        assert got == want, (start, end)
        assert raw_seconds <= 2 * 3600, raw_reads  # at most the two partial hours
        checked += got["tickets_created"]
    assert checked > 90  # the ranges overlap and cover the days: not all empty


async def test_hour_buckets_add_up_to_the_day(db: Database, scripted_day: dict[str, Any]) -> None:
    await refresh(db)
    async with db.read() as s:
        rows = (await s.execute(HourlyRollup.__table__.select())).all()
        day = [
            r
            for r in rows
            if day_start(DAY.date(), SH) <= r.start < day_start(DAY.date() + timedelta(days=1), SH)
        ]
        assert len(day) == 24
        by_hour = Stats()
        for r in day:
            by_hour.merge(Stats.from_json(r.stats))
        whole = await analytics_service.stats(
            s, at(0), at(0) + timedelta(days=1), {}, now=at(0) + timedelta(days=9)
        )
    assert summarize(by_hour) == summarize(whole)
    assert summarize(by_hour)["tickets_created"] == 4


async def test_a_late_change_reaches_a_stored_hour_after_the_refresh(
    db: Database, client: httpx.AsyncClient, scripted_day: dict[str, Any]
) -> None:
    """T1 was solved at 10:00; reopened at 23:40 the same day, the 10:00 bucket changes."""
    with time_machine.travel(at(23, 30), tick=False):
        await refresh(db)  # stores the day's finished hours as "today"
    t1 = scripted_day["tickets"][0]
    with time_machine.travel(at(23, 40), tick=False):
        r = await client.patch(
            f"/api/v1/tickets/{t1}", json={"status": "open"}, headers=bearer(scripted_day["agent_token"])
        )
        assert r.status_code == 200, r.text
    with time_machine.travel(at(23, 45), tick=False):
        await refresh(db)
        got, want, _ = await _both(db, at(9, 30), at(23, 45), at(23, 45), [])
    assert got == want
    assert got["tickets_solved"] == 2  # T2 and T4; T1 is open again


async def test_all_hours_are_rebuilt_at_most_every_few_minutes_and_no_change_is_lost(
    db: Database, client: httpx.AsyncClient, scripted_day: dict[str, Any]
) -> None:
    """Rebuilding every finished hour of today reads the whole day: it runs at most every
    HOURS_EVERY (5 min). A change to an earlier hour waits for it (documented: finished hours
    are up to 5 min behind such a change), then arrives even if nothing happened since."""
    with time_machine.travel(at(23, 30), tick=False):
        await refresh(db)
    with time_machine.travel(at(23, 31), tick=False):
        r = await client.patch(
            f"/api/v1/tickets/{scripted_day['tickets'][0]}",
            json={"status": "open"},
            headers=bearer(scripted_day["agent_token"]),
        )
        assert r.status_code == 200, r.text
    with time_machine.travel(at(23, 33), tick=False):
        await refresh(db)  # 3 min after the last all-hours rebuild: not due
        got, want, _ = await _both(db, at(9, 30), at(23, 33), at(23, 33), [])
    assert (got["tickets_solved"], want["tickets_solved"]) == (3, 2)  # the 10:00 hour is behind
    with time_machine.travel(at(23, 36), tick=False):
        await refresh(db)  # due, and the reopen at 23:31 is the activity since the last one
        got, want, _ = await _both(db, at(9, 30), at(23, 36), at(23, 36), [])
    assert got == want
    assert got["tickets_solved"] == 2


async def _filters(db: Database) -> list[dict[str, str]]:
    """Slice filters over the seeded rows: one value kept, "none", two at once, a bad key."""
    async with db.read() as s:
        group = (await s.execute(sa.select(sa.func.min(Ticket.group_id)))).scalar()
        agent = (await s.execute(sa.select(sa.func.min(Ticket.assignee_id)))).scalar()
    g, a = str(group), str(agent)
    return [
        {"channel": "email"},
        {"channel": "wechat"},
        {"channel": "web"},  # surveys carry "email" themselves, their tickets "web"
        {"group": g},
        {"group": "none"},
        {"agent": a},
        {"agent": "none"},
        {"category": "投诉"},  # "投诉" and "投诉/物流"
        {"category": "none"},
        {"tier": "high"},
        {"tier": "none"},
        # Two or more: whole days from the day's cells, the edges raw, filtered in SQL.
        {"group": g, "agent": a},
        {"channel": "chat", "tier": "mid"},
        {"channel": "email", "category": "投诉"},
        {"group": g, "tier": "high"},
        {"agent": "none", "channel": "wechat"},  # bot-only chats
        {"category": "none", "tier": "none"},
        {"channel": "web", "group": "none", "tier": "high"},
        # Three filters that keep chats: the cells' agent occupancy spans (first assigned,
        # last closed per agent and day) are summed with them.
        {"channel": "chat", "agent": a, "category": "none"},
        {"agent": a, "tier": "high", "category": "none"},
        {"channel": "email", "group": g, "agent": a, "category": "投诉", "tier": "high"},
        {"group": "x"},
        {"group": g, "agent": "x"},
    ]


@pytest.mark.parametrize(
    ("zone", "first"),
    [("Asia/Shanghai", date(2025, 3, 8)), ("America/New_York", date(2025, 3, 8))],
)
async def test_filtered_range_equals_one_raw_pass(
    db: Database, configure: Callable[..., Any], zone: str, first: date
) -> None:
    """A filtered summary (rollups of the slice for whole days, the edges read with the filter
    in SQL) equals one raw pass over every row of the range with the filter applied after."""
    configure(display_timezone=zone)
    tz = ZoneInfo(zone)
    await _seed(db, first, tz)
    now = day_start(first + timedelta(days=2), tz) + timedelta(hours=16, minutes=20)
    with time_machine.travel(now, tick=False):
        await refresh(db)
    ranges = [(a, min(b, now)) for a, b in list(_ranges(first, tz))[:5] if a < now]
    ranges.append((day_start(first, tz) + timedelta(minutes=1), now))
    ranges.append((day_start(first, tz), day_start(first + timedelta(days=2), tz)))  # whole days
    for only in await _filters(db):
        counted = 0
        async with db.read() as s:
            for start, end in ranges:
                got = summarize(await analytics_service.stats(s, start, end, only, now=now))
                window = await analytics_service.read_window(s, start, end)  # every row
                want = summarize(Builder(only, slices=False).build(window, tz)[ALL])
                assert got == want, (only, start, end)
                counted += (got["tickets_created"] or 0) + (got["conversations"] or 0)
        if "x" in only.values():  # no such group or agent
            assert counted == 0, only
        elif len(only) < 5:  # five at once may keep nothing
            assert counted > 0, only


async def test_two_filters_read_whole_days_from_cells(
    db: Database, configure: Callable[..., Any], raw_reads: list[tuple[datetime, datetime]]
) -> None:
    """Two filters (a pair rollup) or more (the cells): the rolled-up days come from them,
    only the edges are raw."""
    configure(display_timezone="Asia/Shanghai")
    first = date(2025, 3, 8)
    await _seed(db, first, SH)
    now = day_start(first + timedelta(days=2), SH) + timedelta(hours=16, minutes=20)
    with time_machine.travel(now, tick=False):
        await refresh(db)
    g, a = (await _filters(db))[11].values()
    start, end = day_start(first, SH) + timedelta(hours=3), day_start(first + timedelta(days=2), SH)
    for only in ({"group": g, "agent": a}, {"group": g, "agent": a, "tier": "high"}):
        raw_reads.clear()
        async with db.read() as s:
            got = await analytics_service.stats(s, start, end, only, now=now)
        assert raw_reads == [(start, day_start(first + timedelta(days=1), SH))], only  # day 2 stored
        assert got.c.get("created", 0) + got.c.get("conversations", 0) > 0, only
