"""The plans' goals seeded by `kefu demo`: once, valid, and every metric computable."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import httpx

from kefu.authz import SYSTEM
from kefu.goals.service import PLAN_GOALS, goal_service
from kefu.kit.db import Database
from kefu.models import Conversation, Message
from kefu.models.user import Role
from tests.factories import bearer, staff_token
from tests.goals.conftest import DAY


class TestPlanGoals:
    async def test_seeded_once_with_the_plans_figures(self, db: Database, client: httpx.AsyncClient) -> None:
        async with db.transaction() as s:
            assert await goal_service.seed_plan_goals(s, history_days=90, today=date(2025, 6, 11)) == 10
            assert await goal_service.seed_plan_goals(s, history_days=90, today=date(2025, 6, 11)) == 0
            goals = {g.metric: g for g in await goal_service.list_goals(s, SYSTEM)}
        assert len(goals) == len(PLAN_GOALS) == 10
        assert (goals["bot_resolution_rate"].comparison, goals["bot_resolution_rate"].target) == (
            "at_least",
            80,
        )
        assert (goals["csat"].target, goals["fcr_rate"].target, goals["survey_response_rate"].target) == (
            90,
            90,
            60,
        )
        complaint = goals["complaint_rate"]
        assert (complaint.comparison, complaint.target) == ("at_most", -60)
        assert (complaint.baseline_from, complaint.baseline_to) == (date(2025, 3, 13), date(2025, 4, 11))
        assert (goals["nps"].target, goals["nps"].baseline_from) == (35, date(2025, 3, 13))
        # Every metric computes on both backends (no data: unknown, never a made-up number).
        _u, token = await staff_token(db, role=Role.SUPERVISOR)
        r = await client.get(
            "/api/v1/goals/attainment",
            params={"from": "2025-06-10T00:00:00+08:00", "to": "2025-06-11T00:00:00+08:00"},
            headers=bearer(token),
        )
        assert r.status_code == 200, r.text
        items = r.json()["items"]
        assert len(items) == 10  # the relative goals are in effect from the day after their baseline
        assert {i["met"] for i in items} == {None} and {i["value_text"] for i in items} == {"—"}

    async def test_bot_reply_time_from_the_messages(self, db: Database) -> None:
        at = DAY.replace(hour=10)
        async with db.transaction() as s:
            conv = Conversation(
                channel="chat", status="closed", created_at=at, closed_at=at + timedelta(minutes=9)
            )
            s.add(conv)
            await s.flush()
            timeline = [("customer", 0), ("bot", 2), ("customer", 60), ("customer", 70), ("bot", 250)]
            timeline += [("customer", 300), ("agent", 320), ("bot", 330)]  # the agent answered, not the bot
            for seq, (sender, sec) in enumerate(timeline, start=1):
                s.add(
                    Message(
                        conversation_id=conv.id,
                        seq=seq,
                        sender=sender,
                        text="…",
                        created_at=at + timedelta(seconds=sec),
                    )
                )
        async with db.session() as s:
            from kefu.goals.service import _Values

            start, end = DAY, DAY + timedelta(days=1)
            got = await goal_service.values(s, start, end, {"bot_reply_seconds_p90"}, _Values())
        # delays 2 s and 190 s (from the first unanswered question): p90 = 2 + 0.9 * 188
        assert got["bot_reply_seconds_p90"] == 171.2
        assert isinstance(start, datetime)
