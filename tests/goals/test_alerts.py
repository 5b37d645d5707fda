"""A missed goal alerts the supervisors once per goal and period; a met goal never does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import sqlalchemy as sa
import time_machine

from kefu.goals.service import goal_service
from kefu.kit import jobs
from kefu.kit.db import Database
from kefu.kit.events import EventRecord
from kefu.kit.jobs import Worker
from kefu.models import Job, OutboundMail
from tests.goals.conftest import DAILY_FRT, SH, make_goal

NEXT_MORNING = datetime(2025, 6, 11, 8, tzinfo=SH)  # evaluates the whole day 2025-06-10


async def _evaluate(db: Database, now: datetime) -> int:
    async with db.transaction() as s:
        return await goal_service.evaluate(s, now=now)


class TestMissedGoalAlerts:
    async def test_one_alert_per_goal_and_period(
        self, db: Database, client: httpx.AsyncClient, two_days: dict[str, Any]
    ) -> None:
        name = "人工30分钟内首次回复"
        missed = await make_goal(client, two_days["admin"], **DAILY_FRT, target=80, name=name)
        met = await make_goal(client, two_days["admin"], **DAILY_FRT, target=60)
        assert await _evaluate(db, NEXT_MORNING) == 1
        assert await _evaluate(db, NEXT_MORNING.replace(hour=9)) == 0  # the next hourly run: same period
        await Worker(db, concurrency=1).run_until_idle()
        async with db.session() as s:
            events = (
                (await s.execute(sa.select(EventRecord).where(EventRecord.name == "goal.missed")))
                .scalars()
                .all()
            )
            mails = (
                (await s.execute(sa.select(OutboundMail).where(OutboundMail.kind == "goal_missed")))
                .scalars()
                .all()
            )
        assert [e.aggregate_id for e in events] == [missed["id"]]
        assert met["id"] not in [e.aggregate_id for e in events]
        text = events[0].payload["text"]
        assert "人工30分钟内首次回复" in text and "6月10日" in text and "66.7%" in text and "≥ 80%" in text
        assert [m.to_addr for m in mails] == [two_days["supervisor_email"]]
        # The day after is another period: a miss there (no data: unknown, not a miss) sends nothing.
        assert await _evaluate(db, datetime(2025, 6, 12, 8, tzinfo=SH)) == 0

    async def test_the_hourly_job_alerts_once_through_the_worker(
        self, db: Database, client: httpx.AsyncClient, two_days: dict[str, Any]
    ) -> None:
        """The periodic slot queues the evaluation; it computes in a read snapshot and
        alerts in the unit that finishes the job, once for the period however many slots."""
        missed = await make_goal(client, two_days["admin"], **DAILY_FRT, target=80)
        for hour in (8, 9):  # two hourly slots of the same morning: one alert
            with time_machine.travel(NEXT_MORNING.replace(hour=hour), tick=False):
                async with db.transaction() as s:
                    key = f"periodic:goals.evaluate:{hour}"
                    await jobs.enqueue(s, "goals.evaluate", {"slot": hour}, unique_key=key)
                await Worker(db, concurrency=1).run_until_idle()
        async with db.session() as s:
            alerts = (
                (await s.execute(sa.select(EventRecord).where(EventRecord.name == "goal.missed")))
                .scalars()
                .all()
            )
            ran = (await s.execute(sa.select(Job.name, Job.status).where(Job.name.like("goals.%")))).all()
        assert [e.aggregate_id for e in alerts] == [missed["id"]]
        assert sorted(name for name, status in ran if status == "done") == [
            "goals.evaluate",
            "goals.evaluate",
            "goals.evaluate_goals",
            "goals.evaluate_goals",
        ]

    async def test_inactive_and_future_goals_are_not_checked(
        self, db: Database, client: httpx.AsyncClient, two_days: dict[str, Any]
    ) -> None:
        body = {"metric": "first_reply_within_30m", "comparison": "at_least", "target": 80, "period": "day"}
        await make_goal(client, two_days["admin"], **body, active=False)
        await make_goal(client, two_days["admin"], **body, effective_from="2025-06-11")
        await make_goal(client, two_days["admin"], **body, effective_to="2025-06-09")
        assert await _evaluate(db, NEXT_MORNING) == 0
