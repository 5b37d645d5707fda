"""Chat messages in the numbers: the share of customer messages the emotion model called
negative, and an agent's next-reply time in a chat (not the first reply; bot lines and agents'
internal notes neither start nor end a wait). The same answer computed live, from the day's
rollup and from today's stored hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import sqlalchemy as sa
import time_machine

from kefu.analytics.metrics import summarize
from kefu.analytics.service import analytics_service
from kefu.analytics.tasks import refresh
from kefu.kit.db import Database
from kefu.models import Conversation, Message
from kefu.models.analytics import HourlyRollup
from kefu.models.user import Role
from tests.factories import bearer, make_customer, staff_token

SH = ZoneInfo("Asia/Shanghai")
DAY = datetime(2025, 6, 17, tzinfo=SH)  # a Tuesday with no tickets


def _at(hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return DAY.replace(hour=hh, minute=mm, second=ss)


# (sender, emotion, internal, at)
HANDED_OFF = [
    ("customer", "neutral", False, _at(10, 0, 0)),
    ("bot", None, False, _at(10, 0, 2)),
    ("customer", "negative", False, _at(10, 1)),
    ("agent", None, False, _at(10, 3)),  # the first reply: not a next reply
    ("customer", "negative", False, _at(10, 4)),  # the wait starts here
    ("agent", None, True, _at(10, 5)),  # an internal note does not end it
    ("system", None, False, _at(10, 5, 30)),
    ("customer", "neutral", False, _at(10, 7)),  # still the same wait
    ("agent", None, False, _at(10, 9)),  # next reply: 5 min after 10:04
]
BOT_ONLY = [
    ("customer", "neutral", False, _at(11, 0)),
    ("bot", None, False, _at(11, 0, 1)),
    ("customer", None, False, _at(11, 2)),  # not scored (e.g. analysed before the model)
    ("bot", None, False, _at(11, 2, 1)),
]
EXPECTED = {"negative_emotion_share": 0.4, "next_reply_seconds_p50": 300.0}  # 2 of 5 scored


async def _seed(db: Database) -> None:
    agent, _ = await staff_token(db, role=Role.AGENT)
    async with db.transaction() as s:
        customer = await make_customer(s, name="戊")
        for lines, assigned in ((HANDED_OFF, True), (BOT_ONLY, False)):
            first, last = lines[0][3], lines[-1][3]
            conv = Conversation(
                customer_id=customer.id,
                channel="chat",
                status="closed",
                created_at=first,
                closed_at=last + timedelta(minutes=1),
                first_queued_at=first + timedelta(minutes=1) if assigned else None,
                assigned_at=first + timedelta(minutes=2) if assigned else None,
                assignee_id=agent.id if assigned else None,
            )
            s.add(conv)
            await s.flush()
            s.add_all(
                Message(
                    conversation_id=conv.id,
                    seq=n,
                    sender=sender,
                    user_id=agent.id if sender == "agent" else None,
                    text="…",
                    internal=internal,
                    emotion=emotion,
                    created_at=when,
                )
                for n, (sender, emotion, internal, when) in enumerate(lines, start=1)
            )


def _pick(data: dict[str, Any]) -> dict[str, Any]:
    return {k: data[k] for k in EXPECTED}


async def test_negative_share_and_next_reply_live_from_the_day_and_from_the_hours(
    client: httpx.AsyncClient, db: Database
) -> None:
    await _seed(db)
    _, token = await staff_token(db, role=Role.SUPERVISOR)
    day = {"from": DAY.isoformat(), "to": (DAY + timedelta(days=1)).isoformat()}

    async def summary() -> dict[str, Any]:
        r = await client.get("/api/v1/analytics/summary", params=day, headers=bearer(token))
        assert r.status_code == 200, r.text
        return _pick(r.json())

    assert await summary() == EXPECTED  # computed from the rows
    with time_machine.travel(_at(12, 30), tick=False):
        await refresh(db)  # stores today's finished hours
    async with db.read() as s:
        hours = await analytics_service.stats(s, _at(9), _at(12), {}, now=_at(12, 30))
        assert _pick(summarize(hours)) == EXPECTED
        stored = await s.scalar(sa.select(sa.func.count()).select_from(HourlyRollup))
        assert stored and stored >= 12  # 00:00-12:00 came from stored hours
    with time_machine.travel(DAY + timedelta(days=1, hours=9), tick=False):
        assert await refresh(db) >= 1  # the finished day's rollup
    assert await summary() == EXPECTED
