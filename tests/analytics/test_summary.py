"""GET /api/v1/analytics/summary after a scripted day: every field has a known answer, the
same whether the day is computed live (today, or not rolled up yet) or read from rollups."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import time_machine

from kefu.analytics.tasks import refresh
from kefu.kit.db import Database
from kefu.models.user import Role
from tests.analytics.conftest import DAY, EXPECTED, Script, at
from tests.factories import bearer, staff_token

RANGE = {"from": "2025-06-10T00:00:00+08:00", "to": "2025-06-11T00:00:00+08:00"}


async def _summary(client: httpx.AsyncClient, token: str, **params: Any) -> dict[str, Any]:
    r = await client.get("/api/v1/analytics/summary", params={**RANGE, **params}, headers=bearer(token))
    assert r.status_code == 200, r.text
    return dict(r.json())


def _check(data: dict[str, Any]) -> None:
    got = {k: data[k] for k in EXPECTED}
    assert got == EXPECTED


class TestScriptedDay:
    async def test_every_field_live_rolled_up_and_as_today(
        self, client: httpx.AsyncClient, db: Database, scripted_day: dict[str, Any]
    ) -> None:
        token = scripted_day["supervisor_token"]
        _check(await _summary(client, token))  # a past day, not rolled up yet: computed live
        assert await refresh(db) >= 1  # first run: every day since the first ticket
        _check(await _summary(client, token))  # now read from the stored rollup
        with time_machine.travel(at(23, 59), tick=False):
            _check(await _summary(client, token))  # "today": always live

    async def test_a_later_contact_reaches_the_days_before_within_the_hour(
        self, client: httpx.AsyncClient, db: Database, scripted_day: dict[str, Any]
    ) -> None:
        """b@example.cn's complaint was solved on 6-10; two days later b writes again, so it
        was not solved on first contact. The 30-second refresh rebuilds no past day for it
        (today's traffic would rebuild 8 days every run); the hourly one does."""
        token = scripted_day["supervisor_token"]
        morning = datetime(2025, 6, 12, 10, tzinfo=DAY.tzinfo)
        with time_machine.travel(morning, tick=False):
            assert await refresh(db) >= 1
        before = (await _summary(client, token))["fcr_rate"]
        assert before == EXPECTED["fcr_rate"]
        await Script(client, db).call(
            morning + timedelta(minutes=5),
            "POST",
            "/api/v1/tickets",
            scripted_day["agent_token"],
            subject="又坏了",
            description="上次的问题又出现了",
            channel="phone",
            category="投诉/服务态度",
            requester={"name": "b", "email": "b@example.cn"},
        )
        with time_machine.travel(morning + timedelta(minutes=6), tick=False):
            assert await refresh(db) == 0  # today only
        assert (await _summary(client, token))["fcr_rate"] == before  # at most an hour behind
        with time_machine.travel(morning + timedelta(hours=1, minutes=1), tick=False):
            assert await refresh(db) == 8  # 6-04 … 6-11: the 8 days before today's contact
        assert (await _summary(client, token))["fcr_rate"] < before

    async def test_slices_split_the_day(
        self, client: httpx.AsyncClient, db: Database, scripted_day: dict[str, Any]
    ) -> None:
        token = scripted_day["supervisor_token"]
        await refresh(db)
        email = await _summary(client, token, channel="email")
        assert (email["tickets_created"], email["tickets_solved"], email["fcr_rate"]) == (2, 1, 0.0)
        complaints = await _summary(client, token, category="投诉")
        assert (
            complaints["tickets_created"],
            complaints["complaint_rate"],
            complaints["sla_compliance"],
        ) == (1, 1.0, 0.0)
        # Two slices at once are computed live from the tickets.
        both = await _summary(client, token, channel="email", category="咨询")
        assert both["tickets_created"] == 1
        by_channel = await client.get(
            "/api/v1/analytics/breakdown", params={**RANGE, "by": "channel"}, headers=bearer(token)
        )
        rows = {row["key"]: row["tickets_created"] for row in by_channel.json()["items"]}
        assert rows["email"] == 2 and rows["phone"] == 1 and rows["web"] == 1

    async def test_a_partial_day_counts_only_its_hours(
        self, client: httpx.AsyncClient, db: Database, scripted_day: dict[str, Any]
    ) -> None:
        await refresh(db)
        morning = await _summary(client, scripted_day["supervisor_token"], to="2025-06-10T12:00:00+08:00")
        assert (morning["tickets_created"], morning["tickets_solved"]) == (3, 1)

    async def test_an_agent_sees_only_their_own_numbers(
        self, client: httpx.AsyncClient, scripted_day: dict[str, Any]
    ) -> None:
        agent_token = scripted_day["agent_token"]
        r = await client.get("/api/v1/analytics/summary", params=RANGE, headers=bearer(agent_token))
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
        mine = await client.get("/api/v1/analytics/me", params=RANGE, headers=bearer(agent_token))
        assert mine.status_code == 200 and mine.json()["tickets_solved"] == 3


class TestCsv:
    async def test_csv_carries_the_json_values(
        self, client: httpx.AsyncClient, scripted_day: dict[str, Any]
    ) -> None:
        token = scripted_day["supervisor_token"]
        with time_machine.travel(datetime(2025, 7, 1, tzinfo=DAY.tzinfo), tick=False):
            data = await _summary(client, token)
            r = await client.get("/api/v1/analytics/summary.csv", params=RANGE, headers=bearer(token))
        assert r.headers["content-type"].startswith("text/csv")
        assert "attachment" in r.headers["content-disposition"]
        rows = dict(csv.reader(io.StringIO(r.text)))
        for name in EXPECTED:
            value = data[name]
            assert rows[name] == (
                "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
            )


@pytest.fixture
async def supervisor_token(db: Database) -> str:
    _user, token = await staff_token(db, role=Role.SUPERVISOR)
    return token


class TestBadInput:
    @pytest.mark.parametrize(
        ("params", "code"),
        [
            ({"from": "2025-06-11", "to": "2025-06-10"}, "invalid_range"),  # reversed
            ({"from": "2025-06-10T10:00:00+08:00", "to": "2025-06-10T10:00:00+08:00"}, "invalid_range"),
            ({"from": "2020-01-01", "to": "2025-01-01"}, "range_too_long"),  # five years
            ({"from": "yesterday", "to": "2025-06-10"}, "invalid_range"),
            ({"from": "2025-13-40", "to": "2025-06-10"}, "invalid_range"),
        ],
    )
    async def test_clear_422(
        self, client: httpx.AsyncClient, supervisor_token: str, params: dict[str, str], code: str
    ) -> None:
        r = await client.get("/api/v1/analytics/summary", params=params, headers=bearer(supervisor_token))
        assert r.status_code == 422
        assert r.json()["error"]["code"] == code
        assert r.json()["error"]["message"]

    async def test_unknown_breakdown_and_slice_values(
        self, client: httpx.AsyncClient, supervisor_token: str
    ) -> None:
        h = bearer(supervisor_token)
        r = await client.get("/api/v1/analytics/breakdown", params={**RANGE, "by": "weather"}, headers=h)
        assert r.status_code == 422 and "error" in r.json()
        r = await client.get("/api/v1/analytics/summary", params={**RANGE, "group_id": "0"}, headers=h)
        assert r.status_code == 422
        r = await client.get("/api/v1/analytics/summary", params=RANGE)
        assert r.status_code == 401
