"""/api/v1/wfm and the /wfm page, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from kefu.kit.db import Database
from kefu.models import Conversation, Ticket
from kefu.models.user import Role
from tests.factories import bearer, staff_token
from tests.web.pagewalk import check_html

TZ = ZoneInfo("Asia/Shanghai")
START = date(2026, 8, 24)  # a Monday with eight plain weeks before it


async def _history(db: Database) -> None:
    """Eight weeks: 8 portal tickets at 10:00 and 12 chats at 15:00 local on weekdays (half
    of them reach a person), nothing at weekends."""
    async with db.transaction() as session:
        rows: list[Any] = []
        for d in range(1, 57):
            day = START - timedelta(days=d)
            if day.weekday() >= 5:
                continue
            at10 = datetime(day.year, day.month, day.day, 10, 5, tzinfo=TZ).astimezone(UTC)
            at15 = datetime(day.year, day.month, day.day, 15, 10, tzinfo=TZ).astimezone(UTC)
            rows += [
                Ticket(subject="咨询", channel="portal", created_at=at10, updated_at=at10) for _ in range(8)
            ]
            rows += [
                Conversation(
                    channel="chat",
                    status="closed",
                    created_at=at15,
                    updated_at=at15,
                    first_queued_at=at15 if i % 2 else None,
                )
                for i in range(12)
            ]
        session.add_all(rows)


class TestErlang:
    async def test_single_solve_matches_the_published_example(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        _, token = await staff_token(db, role=Role.AGENT)
        r = await client.post(
            "/api/v1/wfm/erlang",
            json={
                "volume": 100,
                "interval_minutes": 30,
                "aht_seconds": 180,
                "target_level": 0.8,
                "target_seconds": 20,
                "shrinkage": 0.3,
            },
            headers=bearer(token),
        )
        assert r.status_code == 200
        assert r.json()["raw_agents"] == 14 and r.json()["agents"] == 20

    async def test_bad_inputs_are_422_with_the_field_named(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        _, token = await staff_token(db, role=Role.AGENT)
        base = {"volume": 100, "aht_seconds": 180}
        for bad, field in (
            ({"volume": -5}, "volume"),
            ({"aht_seconds": 0}, "aht_seconds"),
            ({"target_level": 1.5}, "target_level"),
            ({"max_occupancy": 0}, "max_occupancy"),
            ({"shrinkage": 1}, "shrinkage"),
            ({"volume": 1e12, "interval_minutes": 1}, "Erlangs"),
        ):
            r = await client.post("/api/v1/wfm/erlang", json={**base, **bad}, headers=bearer(token))
            assert r.status_code == 422, bad
            assert field in r.json()["error"]["message"]
        r = await client.post("/api/v1/wfm/erlang", json={**base, "agents": 3}, headers=bearer(token))
        assert r.status_code == 422  # unknown fields are refused

    async def test_needs_a_login(self, client: httpx.AsyncClient) -> None:
        r = await client.post("/api/v1/wfm/erlang", json={"volume": 1, "aht_seconds": 1})
        assert r.status_code == 401


class TestForecastAndStaffing:
    async def test_forecast_puts_next_week_where_history_was(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await _history(db)
        _, token = await staff_token(db, role=Role.SUPERVISOR)
        r = await client.get(f"/api/v1/wfm/forecast?from={START}&days=7", headers=bearer(token))
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["channels"] == ["chat", "portal"]
        daily = {d["date"]: d["volume"] for d in body["daily"]}
        assert daily[str(START)] == 20 and daily[str(START + timedelta(days=5))] == 0
        ten = next(i for i in body["intervals"] if i["start"] == f"{START}T10:00:00+08:00")
        assert ten["portal"] == 8 and ten["volume"] == 8
        assert body["backtest_mape"] == 0  # a perfectly regular history is forecast exactly

        only_chat = (
            await client.get(f"/api/v1/wfm/forecast?from={START}&days=1&channel=chat", headers=bearer(token))
        ).json()
        assert only_chat["channels"] == ["chat"] and only_chat["daily"][0]["volume"] == 12

    async def test_staffing_against_shifts(self, client: httpx.AsyncClient, db: Database) -> None:
        await _history(db)
        agent, _ = await staff_token(db, role=Role.AGENT, name="李小青")
        _, token = await staff_token(db, role=Role.SUPERVISOR)
        made = await client.post(
            "/api/v1/wfm/shifts",
            json={"user_id": agent.id, "weekday": 0, "start": "09:00", "end": "12:00"},
            headers=bearer(token),
        )
        assert made.status_code == 201
        r = await client.get(f"/api/v1/wfm/staffing?from={START}&days=1", headers=bearer(token))
        assert r.status_code == 200, r.text
        by_start = {i["start"][11:16]: i for i in r.json()["intervals"]}
        assert r.json()["plans"]["chat"]["human_share"] == 0.5
        assert by_start["10:00"]["scheduled"] == 1 and by_start["10:00"]["required"] >= 1
        assert by_start["15:00"]["scheduled"] == 0 and by_start["15:00"]["gap"] < 0  # nobody at 15:00
        assert by_start["03:00"]["required"] == 0
        assert r.json()["understaffed_intervals"] >= 1

    async def test_bad_ranges_are_refused(self, client: httpx.AsyncClient, db: Database) -> None:
        _, token = await staff_token(db, role=Role.SUPERVISOR)
        for query in (
            "days=0",
            "days=400",
            "from=2031-01-01",
            "redundancy=-1",
            "shrinkage=1.2",
            "from=yesterday",
        ):
            r = await client.get(f"/api/v1/wfm/staffing?{query}", headers=bearer(token))
            assert r.status_code == 422, query
            assert r.json()["error"]["message"]

    async def test_agents_cannot_read_plans(self, client: httpx.AsyncClient, db: Database) -> None:
        _, token = await staff_token(db, role=Role.AGENT)
        assert (await client.get("/api/v1/wfm/forecast", headers=bearer(token))).status_code == 403


class TestShifts:
    async def test_crud_and_bad_input(self, client: httpx.AsyncClient, db: Database) -> None:
        agent, _ = await staff_token(db, role=Role.AGENT, name="张伟")
        _, token = await staff_token(db, role=Role.SUPERVISOR)
        h = bearer(token)
        made = (
            await client.post(
                "/api/v1/wfm/shifts",
                json={"user_id": agent.id, "weekday": 2, "start": "13:00", "end": "21:00", "channel": "chat"},
                headers=h,
            )
        ).json()
        assert made["user_name"] == "张伟"
        changed = await client.put(
            f"/api/v1/wfm/shifts/{made['id']}",
            json={"user_id": agent.id, "weekday": 3, "start": "09:00", "end": "17:30"},
            headers=h,
        )
        assert changed.status_code == 200 and changed.json()["weekday"] == 3
        for bad in (
            {"user_id": agent.id, "weekday": 7, "start": "09:00", "end": "10:00"},
            {"user_id": agent.id, "weekday": 1, "start": "18:00", "end": "09:00"},
            {"user_id": agent.id, "weekday": 1, "start": "9am", "end": "10:00"},
            {"user_id": 999999, "weekday": 1, "start": "09:00", "end": "10:00"},
        ):
            assert (await client.post("/api/v1/wfm/shifts", json=bad, headers=h)).status_code == 422, bad
        items = (await client.get("/api/v1/wfm/shifts", headers=h)).json()["items"]
        assert [(s["weekday"], s["end"]) for s in items] == [
            (3, "17:30")
        ]  # bad input lost nothing, added nothing
        assert (await client.delete(f"/api/v1/wfm/shifts/{made['id']}", headers=h)).status_code == 204
        assert (await client.delete(f"/api/v1/wfm/shifts/{made['id']}", headers=h)).status_code == 404
        assert (await client.get("/api/v1/wfm/shifts", headers=h)).json()["items"] == []


class TestPage:
    async def test_page_shows_the_curve_and_the_shifts(self, client: httpx.AsyncClient, db: Database) -> None:
        await _history(db)
        agent, _ = await staff_token(db, role=Role.AGENT, name="陈静")
        _, token = await staff_token(db, role=Role.SUPERVISOR)
        await client.post(
            "/api/v1/wfm/shifts",
            json={"user_id": agent.id, "weekday": 0, "start": "09:00", "end": "18:00"},
            headers=bearer(token),
        )
        r = await client.get(f"/wfm?start={START}", headers=bearer(token))
        assert r.status_code == 200
        assert "/static/vendor/echarts.min.js" in r.text and 'id="wfm-data"' in r.text
        assert "陈静" in r.text and str(START) in r.text
        assert '"required": [' in r.text

    async def test_agents_are_refused(self, client: httpx.AsyncClient, db: Database) -> None:
        _, token = await staff_token(db, role=Role.AGENT)
        r = await client.get("/wfm", headers=bearer(token))
        assert r.status_code == 403


class TestHeatMapPage:
    async def test_opening_hours_only_with_units_and_what_to_do(
        self, client: httpx.AsyncClient, db: Database
    ) -> None:
        await _history(db)
        agent, _ = await staff_token(db, role=Role.AGENT, name="陈静")
        _, admin = await staff_token(db, role=Role.ADMIN)
        _, token = await staff_token(db, role=Role.SUPERVISOR)
        office = {
            "name": "客服时间",
            "timezone": "Asia/Shanghai",
            "is_default": True,
            "intervals": [{"weekday": d, "start": "09:00", "end": "18:00"} for d in range(5)],
        }
        assert (await client.post("/api/v1/schedules", json=office, headers=bearer(admin))).status_code == 201
        await client.post(
            "/api/v1/wfm/shifts",
            json={"user_id": agent.id, "weekday": 0, "start": "09:00", "end": "18:00"},
            headers=bearer(token),
        )
        r = await client.get(f"/wfm?start={START}", headers=bearer(token))
        assert r.status_code == 200
        heat = r.text[r.text.index('data-testid="wfm-heatmap"') :]
        heat = heat[: heat.index("</table>")]
        minutes = [int(m) for m in re.findall(r'data-minute="(\d+)"', heat)]
        assert min(minutes) == 9 * 60 and max(minutes) == 17 * 60 + 30  # 09:00 … 17:30, no night
        assert len(re.findall(r"<tr><th scope=\"row\">", heat)) == 7
        assert heat.count('class="heat-closed"') == 2 * 18  # Saturday and Sunday
        # Monday 10:00: 1 on shift, more needed for the portal wave → short, and said so.
        monday_10 = re.search(r'class="heat-(\w+)" data-minute="600" data-gap="(-?\d+)"', heat)
        assert monday_10 is not None and monday_10.group(1) == "short"
        todo = r.text[r.text.index('data-testid="wfm-todo"') :]
        assert "营业时间内有" in todo and "增加" in todo and "周二至周五" in todo
        assert "服务中心" in r.text and "在线客服" in r.text  # channels by name, not code
        assert check_html(r.text) == []
