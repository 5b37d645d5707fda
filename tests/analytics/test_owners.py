"""The 首问负责制 report (both backends): per first-contact owner, tickets solved in the range,
first-contact resolution (not reopened, no new contact within 7 days), median time to solve,
the customer's recorded acceptance, and the specialist-engaged clocks of their tickets met
or breached — through GET /api/v1/analytics/owners and the /reports page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import time_machine

from kefu.kit.db import Database
from kefu.models.user import Role
from kefu.sla.service import sla_service
from tests.factories import bearer, make_group, staff_token

SH = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 3, 2, 10, 0, tzinfo=SH)


@pytest.fixture
async def team(db: Database, client: httpx.AsyncClient) -> dict[str, Any]:
    async with db.transaction() as s:
        sales = await make_group(s, name="售前咨询", is_default=True)
        repair = await make_group(s, name="售后维修")
    li, li_token = await staff_token(db, role=Role.AGENT, name="李小青", group_ids=[sales.id])
    wang, wang_token = await staff_token(db, role=Role.AGENT, name="王强", group_ids=[sales.id])
    _tech, tech_token = await staff_token(db, role=Role.AGENT, name="陈静", group_ids=[repair.id])
    _sup, sup_token = await staff_token(
        db, role=Role.SUPERVISOR, name="主管", group_ids=[sales.id], email="sup@kefu.demo"
    )
    _admin, admin_token = await staff_token(db, role=Role.ADMIN)
    r = await client.put(
        "/api/v1/ticket-escalation", json={"second_line_group_ids": [repair.id]}, headers=bearer(admin_token)
    )
    assert r.status_code == 200, r.text
    return {
        "li": li.id,
        "wang": wang.id,
        "li_token": li_token,
        "wang_token": wang_token,
        "tech_token": tech_token,
        "sup_token": sup_token,
        "repair": repair.id,
    }


async def ticket(client: httpx.AsyncClient, token: str, email: str) -> int:
    body = {
        "subject": "洗衣机不脱水",
        "description": "转不起来",
        "channel": "web",
        "requester": {"email": email},
    }
    r = await client.post("/api/v1/tickets", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def reply(client: httpx.AsyncClient, token: str, tid: int, body: str = "您好，我来处理") -> None:
    r = await client.post(f"/api/v1/tickets/{tid}/comments", json={"body": body}, headers=bearer(token))
    assert r.status_code == 201, r.text


async def patch(client: httpx.AsyncClient, token: str, tid: int, **body: Any) -> None:
    r = await client.patch(f"/api/v1/tickets/{tid}", json=body, headers=bearer(token))
    assert r.status_code == 200, r.text


class TestOwnerReport:
    async def test_first_contact_resolution_time_acceptance_and_the_specialist_clock_per_owner(
        self, db: Database, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        li, wang = team["li_token"], team["wang_token"]
        with time_machine.travel(DAY, tick=False):
            clean = await ticket(client, li, "a@example.cn")  # 李 answers first and solves in 2 h
            again = await ticket(client, li, "b@example.cn")  # solved, but the customer writes again
            escalated = await ticket(client, li, "c@example.cn")  # handed to 售后维修, met in time
            late = await ticket(client, li, "d@example.cn")  # handed to 售后维修, breached
            reopened = await ticket(client, wang, "e@example.cn")  # 王's, reopened once
            for tid in (clean, again, escalated, late):
                await reply(client, li, tid)
            await reply(client, wang, reopened)
            await patch(client, li, escalated, group_id=team["repair"])
            await patch(client, li, late, group_id=team["repair"])
        with time_machine.travel(DAY + timedelta(hours=2), tick=False):
            await patch(client, li, clean, status="solved", customer_accepted=True)
            await patch(client, li, again, status="solved")
            await reply(client, team["tech_token"], escalated, "已安排上门")  # in time: met
            await patch(client, wang, reopened, status="solved")
            await patch(client, wang, reopened, status="open")
        with time_machine.travel(DAY + timedelta(hours=3), tick=False):
            await ticket(client, li, "b@example.cn")  # the same customer again, within 7 days
            await patch(client, wang, reopened, status="solved")
            await patch(client, li, escalated, status="solved")
        with time_machine.travel(DAY + timedelta(hours=13), tick=False):
            async with db.transaction() as s:
                assert await sla_service.scan(s, now=DAY + timedelta(hours=13)) >= 1  # `late` breaches

        r = await client.get(
            "/api/v1/analytics/owners",
            params={"from": "2026-03-01T00:00:00+08:00", "to": "2026-03-05T00:00:00+08:00"},
            headers=bearer(team["sup_token"]),
        )
        assert r.status_code == 200, r.text
        rows = {row["name"]: row for row in r.json()["items"]}
        mine, his = rows["李小青"], rows["王强"]
        assert mine["owner_id"] == team["li"] and his["owner_id"] == team["wang"]
        assert (mine["solved"], mine["fcr"]) == (3, 2)  # `again` is not a first-contact resolution
        assert mine["fcr_rate"] == pytest.approx(2 / 3, abs=1e-3)
        assert mine["median_hours_to_solve"] == pytest.approx(2.0)
        assert mine["accepted_rate"] == pytest.approx(1 / 3, abs=1e-3)
        assert (mine["specialist_met"], mine["specialist_breached"]) == (1, 1)
        assert mine["specialist_compliance"] == pytest.approx(0.5)
        assert (his["solved"], his["fcr"], his["fcr_rate"]) == (1, 0, 0.0)  # reopened
        assert his["specialist_compliance"] is None  # none of his tickets went to second line

        # Agents do not read reports; a backwards range is a 422 in the envelope.
        r = await client.get("/api/v1/analytics/owners", headers=bearer(li))
        assert r.status_code == 403
        r = await client.get(
            "/api/v1/analytics/owners",
            params={"from": "2026-03-05T00:00:00+08:00", "to": "2026-03-01T00:00:00+08:00"},
            headers=bearer(team["sup_token"]),
        )
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_range"

        # The supervisor's /reports page shows it in units people read.
        page = await client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        await client.post(
            "/login",
            data={"email": "sup@kefu.demo", "password": "secret-pass-1", "csrf_token": token.group(1)},
        )
        html = (
            await client.get("/reports?from=2026-03-01&to=2026-03-05", headers={"accept": "text/html"})
        ).text
        assert "首问负责人" in html and "李小青" in html
        row = html[html.index(f'data-owner="{team["li"]}"') :].split("</tr>")[0]
        assert "66.7%" in row and "2小时" in row and "50%" in row and "(1/2)" in row
