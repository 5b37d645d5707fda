"""Agent hours per group (both backends): a group's routing rule may name its own schedule;
it decides whether a hand-off to that group reaches a person now or becomes a message that
says when agents are back. Groups without one follow the default schedule. The bot answers
either way, and the widget reports the default group's hours."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from kefu.bot.engine import opening_text
from kefu.bot.policy import BotConfig, Policy, Turn
from kefu.kit.db import Database
from kefu.models.user import Role
from kefu.routing.service import routing_service
from tests.factories import bearer, make_group, staff_token

SH = ZoneInfo("Asia/Shanghai")
SATURDAY_NIGHT = datetime(2026, 12, 5, 23, 30, tzinfo=SH)
MONDAY_MORNING = datetime(2026, 12, 7, 10, 0, tzinfo=SH)
OFFICE = [{"weekday": d, "start": "09:00", "end": "18:00"} for d in range(5)]
ALL_DAY = [{"weekday": d, "start": "00:00", "end": "23:59"} for d in range(7)]


async def schedule(
    client: httpx.AsyncClient, admin: str, name: str, intervals: list[dict[str, Any]], **kw: Any
) -> int:
    r = await client.post(
        "/api/v1/schedules",
        headers=bearer(admin),
        json={"name": name, "timezone": "Asia/Shanghai", "intervals": intervals, **kw},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


class TestGroupHours:
    async def test_a_group_with_its_own_hours_is_open_when_the_office_is_closed(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _, admin = await staff_token(db, role=Role.ADMIN)
        async with db.transaction() as session:
            office_group = await make_group(session, name="售前咨询", is_default=True)
            on_call = await make_group(session, name="售后值班")
        await schedule(client, admin, "办公时间", OFFICE, is_default=True)
        all_day = await schedule(client, admin, "7×24 值班", ALL_DAY)

        r = await client.put(
            f"/api/v1/routing/rules/{on_call.id}", headers=bearer(admin), json={"schedule_id": all_day}
        )
        assert r.status_code == 200 and r.json()["schedule_id"] == all_day
        got = await client.get(f"/api/v1/routing/rules/{on_call.id}", headers=bearer(admin))
        assert got.json()["schedule_id"] == all_day

        async with db.read() as session:
            # Saturday night: the office group's agents are back on Monday at 09:00 Shanghai time;
            # the on-call group is in hours, by id or by the name the bot hands off with.
            back = await routing_service.next_opening(session, office_group.id, now=SATURDAY_NIGHT)
            assert back is not None and back.astimezone(SH) == datetime(2026, 12, 7, 9, 0, tzinfo=SH)
            assert await routing_service.next_opening(session, on_call.id, now=SATURDAY_NIGHT) is None
            assert (
                await routing_service.next_opening(session, group_name="售后值班", now=SATURDAY_NIGHT) is None
            )
            # An unknown group name (a bot intent naming a deleted group) follows the default group.
            unknown = await routing_service.next_opening(session, group_name="不存在", now=SATURDAY_NIGHT)
            assert unknown == back
            assert await routing_service.next_opening(session, office_group.id, now=MONDAY_MORNING) is None

    async def test_an_unknown_schedule_is_refused_and_nothing_changes(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _, admin = await staff_token(db, role=Role.ADMIN)
        _, agent = await staff_token(db, role=Role.AGENT)
        async with db.transaction() as session:
            group = await make_group(session, name="售后")
        url = f"/api/v1/routing/rules/{group.id}"
        r = await client.put(
            url, headers=bearer(admin), json={"schedule_id": 99999, "sticky_wait_seconds": 5}
        )
        assert r.status_code == 404 and "error" in r.json()
        r = await client.put(url, headers=bearer(agent), json={"schedule_id": None})
        assert r.status_code == 403
        rule = (await client.get(url, headers=bearer(admin))).json()
        assert rule["schedule_id"] is None and rule["sticky_wait_seconds"] == 60

    async def test_the_widget_reports_the_default_groups_hours_and_the_bot_keeps_answering(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _, admin = await staff_token(db, role=Role.ADMIN)
        async with db.transaction() as session:
            default = await make_group(session, name="客服部", is_default=True)
        status = (await client.get("/api/v1/widget/status")).json()
        assert status["open"] is True and "opens_at" not in status  # no schedule: always open
        today = datetime.now(SH).weekday()
        elsewhen = [{"weekday": (today + 3) % 7, "start": "09:00", "end": "10:00"}]
        closed = await schedule(client, admin, "另一天才上班", elsewhen)
        r = await client.put(
            f"/api/v1/routing/rules/{default.id}", headers=bearer(admin), json={"schedule_id": closed}
        )
        assert r.status_code == 200
        status = (await client.get("/api/v1/widget/status")).json()
        assert status["open"] is False and status["bot"] is True
        opens = datetime.fromisoformat(status["opens_at"]).astimezone(SH)
        assert opens.weekday() == (today + 3) % 7 and (opens.hour, opens.minute) == (9, 0)


class TestClosedWording:
    def test_the_hand_off_says_when_agents_are_back(self) -> None:
        policy = Policy([], BotConfig())
        d = policy.step(Turn("转人工", open_now=False, opens_at="明天 09:00"), None, {})
        assert d.handoff and "明天 09:00" in d.replies[0] and "留言" in d.replies[0]
        d = policy.step(Turn("转人工"), None, {})
        assert d.handoff and "留言" not in d.replies[0]

    def test_opening_times_read_like_a_person_says_them(self) -> None:
        now = SATURDAY_NIGHT
        assert opening_text(datetime(2026, 12, 5, 23, 45, tzinfo=SH), now) == "今天 23:45"
        assert opening_text(datetime(2026, 12, 6, 9, 0, tzinfo=SH), now) == "明天 09:00"
        assert opening_text(datetime(2026, 12, 7, 9, 0, tzinfo=SH), now) == "12月7日（周一）09:00"
        assert opening_text(datetime(2026, 12, 6, 9, 0, tzinfo=SH), now, en=True) == "09:00 tomorrow"
