"""Timed escalation: a ticket handed to a second-line group starts the "specialist engaged"
clock (12 h by default, per category configurable); the first act of a member of that group
fulfils it; otherwise the SLA scan breaches it, once, and the owner hears of it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
import time_machine

from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.models import SlaEvent
from kefu.models.user import Role
from kefu.sla.service import sla_service
from kefu.ticket.escalation import minutes_for
from kefu.ticket.schemas import EscalationConfig
from tests.factories import bearer, make_group, staff_token

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 3, 2, 10, 0, tzinfo=SH)


@pytest.fixture
async def team(db: Database, client: httpx.AsyncClient) -> dict[str, Any]:
    async with db.transaction() as s:
        sales = await make_group(s, name="售前咨询", is_default=True)
        repair = await make_group(s, name="售后维修")
        vip = await make_group(s, name="大客户")
    agent, agent_token = await staff_token(db, role=Role.AGENT, group_ids=[sales.id])
    tech, tech_token = await staff_token(db, role=Role.AGENT, group_ids=[repair.id])
    _sup, sup_token = await staff_token(db, role=Role.SUPERVISOR, group_ids=[repair.id])
    _admin, admin_token = await staff_token(db, role=Role.ADMIN)
    r = await client.put(
        "/api/v1/ticket-escalation",
        json={"second_line_group_ids": [repair.id], "category_minutes": {"售后/维修": 240}},
        headers=bearer(admin_token),
    )
    assert r.status_code == 200, r.text
    return {
        "sales": sales.id,
        "repair": repair.id,
        "vip": vip.id,
        "agent": agent.id,
        "agent_token": agent_token,
        "tech": tech.id,
        "tech_token": tech_token,
        "sup_token": sup_token,
        "admin_token": admin_token,
    }


async def _ticket(client: httpx.AsyncClient, token: str, **body: Any) -> int:
    payload = {"subject": "洗衣机不脱水", "description": "转不起来", "channel": "web", **body}
    r = await client.post("/api/v1/tickets", json=payload, headers=bearer(token))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def _clock(client: httpx.AsyncClient, token: str, ticket_id: int) -> dict[str, Any] | None:
    r = await client.get(f"/api/v1/tickets/{ticket_id}", headers=bearer(token))
    assert r.status_code == 200, r.text
    found = [c for c in r.json()["sla"] if c["metric"] == "specialist_engaged"]
    return found[0] if found else None


class TestConfig:
    async def test_admins_edit_it_agents_read_it_bad_groups_refused(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        r = await client.get("/api/v1/ticket-escalation", headers=bearer(team["agent_token"]))
        assert r.json() == {
            "second_line_group_ids": [team["repair"]],
            "default_minutes": 720,
            "category_minutes": {"售后/维修": 240},
        }
        body = {"second_line_group_ids": [team["repair"]], "default_minutes": 600}
        r = await client.put("/api/v1/ticket-escalation", json=body, headers=bearer(team["agent_token"]))
        assert r.status_code == 403
        r = await client.put(
            "/api/v1/ticket-escalation",
            json={"second_line_group_ids": [99_999]},
            headers=bearer(team["admin_token"]),
        )
        assert r.status_code == 404
        r = await client.put(
            "/api/v1/ticket-escalation", json={"default_minutes": 0}, headers=bearer(team["admin_token"])
        )
        assert r.status_code == 422

    def test_the_longest_matching_category_wins(self) -> None:
        config = EscalationConfig(default_minutes=720, category_minutes={"售后": 480, "售后/维修": 240})
        assert minutes_for(config, "售后/维修") == 240
        assert minutes_for(config, "售后/退换") == 480
        assert minutes_for(config, "售后维修") == 720  # not a parent path
        assert minutes_for(config, "") == 720


class TestSpecialistClock:
    async def test_handing_to_second_line_starts_12h_and_a_members_reply_fulfils_it(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        with time_machine.travel(START, tick=False):
            tid = await _ticket(client, team["agent_token"])
            await client.post(
                f"/api/v1/tickets/{tid}/comments", json={"body": "您好"}, headers=bearer(team["agent_token"])
            )
            assert await _clock(client, team["agent_token"], tid) is None
            r = await client.patch(
                f"/api/v1/tickets/{tid}",
                json={"group_id": team["repair"]},
                headers=bearer(team["agent_token"]),
            )
            assert r.status_code == 200, r.text
            clock = await _clock(client, team["agent_token"], tid)
            assert clock is not None and clock["status"] == "active"
            assert datetime.fromisoformat(clock["due_at"]) == START + timedelta(hours=12)
        with time_machine.travel(START + timedelta(hours=1), tick=False):
            # Someone outside the group acting, or a priority change, does not stop it.
            await client.post(
                f"/api/v1/tickets/{tid}/comments",
                json={"body": "补充说明", "public": False},
                headers=bearer(team["agent_token"]),
            )
            await client.patch(
                f"/api/v1/tickets/{tid}", json={"priority": "high"}, headers=bearer(team["sup_token"])
            )
            clock = await _clock(client, team["agent_token"], tid)
            assert clock is not None and clock["status"] == "active"
        with time_machine.travel(START + timedelta(hours=2), tick=False):
            await client.post(
                f"/api/v1/tickets/{tid}/comments",
                json={"body": "上门检查", "public": False},
                headers=bearer(team["tech_token"]),
            )
            clock = await _clock(client, team["agent_token"], tid)
            assert clock is not None and clock["status"] == "fulfilled"

    async def test_a_members_status_change_fulfils_it_and_the_category_sets_the_target(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        with time_machine.travel(START, tick=False):
            tid = await _ticket(client, team["agent_token"], category="售后/维修")
            r = await client.patch(
                f"/api/v1/tickets/{tid}", json={"group_id": team["repair"]}, headers=bearer(team["sup_token"])
            )
            assert r.status_code == 200, r.text
            clock = await _clock(client, team["sup_token"], tid)
            assert clock is not None and datetime.fromisoformat(clock["due_at"]) == START + timedelta(hours=4)
            r = await client.patch(
                f"/api/v1/tickets/{tid}", json={"status": "hold"}, headers=bearer(team["tech_token"])
            )
            assert r.status_code == 200, r.text
            clock = await _clock(client, team["sup_token"], tid)
            assert clock is not None and clock["status"] == "fulfilled"

    async def test_first_line_groups_start_nothing_and_going_back_stops_it(
        self, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        tid = await _ticket(client, team["agent_token"])
        await client.patch(
            f"/api/v1/tickets/{tid}", json={"group_id": team["vip"]}, headers=bearer(team["sup_token"])
        )
        assert await _clock(client, team["sup_token"], tid) is None
        await client.patch(
            f"/api/v1/tickets/{tid}", json={"group_id": team["repair"]}, headers=bearer(team["sup_token"])
        )
        assert (await _clock(client, team["sup_token"], tid) or {}).get("status") == "active"
        await client.patch(
            f"/api/v1/tickets/{tid}", json={"group_id": team["sales"]}, headers=bearer(team["sup_token"])
        )
        assert await _clock(client, team["sup_token"], tid) is None  # cancelled clocks are not shown

    async def test_nobody_acting_breaches_once_and_the_owner_is_told(
        self, db: Database, client: httpx.AsyncClient, team: dict[str, Any]
    ) -> None:
        with time_machine.travel(START, tick=False):
            tid = await _ticket(client, team["agent_token"])
            await client.post(
                f"/api/v1/tickets/{tid}/comments", json={"body": "您好"}, headers=bearer(team["agent_token"])
            )
            await client.patch(
                f"/api/v1/tickets/{tid}",
                json={"group_id": team["repair"]},
                headers=bearer(team["agent_token"]),
            )
        with time_machine.travel(START + timedelta(hours=9, minutes=1), tick=False):
            async with db.transaction() as s:
                assert await sla_service.scan(s) == 1  # the 75 % warning
        with time_machine.travel(START + timedelta(hours=12, minutes=1), tick=False):
            async with db.transaction() as s:
                assert await sla_service.scan(s) == 1
            async with db.transaction() as s:
                assert await sla_service.scan(s) == 0  # once
            clock = await _clock(client, team["agent_token"], tid)  # the owner still sees it
            assert clock is not None and clock["status"] == "breached"
            await Worker(db).run_until_idle()
        async with db.session() as s:
            kinds = set(
                (
                    await s.execute(sa.select(SlaEvent.kind).where(SlaEvent.metric == "specialist_engaged"))
                ).scalars()
            )
        assert kinds == {"warning", "breach"}
        r = await client.get("/api/v1/ticket-notices", headers=bearer(team["agent_token"]))
        got = {(n["kind"], n["detail"].get("metric")) for n in r.json()["items"]}
        assert {("sla_warning", "specialist_engaged"), ("sla_breached", "specialist_engaged")} <= got
