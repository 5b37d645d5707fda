"""The SLA engine end to end: policies from the API, clocks on tickets, pause/resume,
recompute, fulfilment, and the exactly-once breach scan — with a frozen clock."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
import time_machine

from kefu.kit.db import Database
from kefu.kit.events import EventRecord
from kefu.models import SlaEvent
from kefu.models.user import Role
from kefu.sla.service import sla_service
from tests.factories import bearer, make_group, staff_token

SH = ZoneInfo("Asia/Shanghai")
OFFICE = {
    "name": "办公时间",
    "timezone": "Asia/Shanghai",
    "cn_statutory": True,
    "intervals": [
        {"weekday": d, "start": s, "end": e}
        for d in range(5)
        for s, e in (("09:00", "12:00"), ("13:30", "18:00"))
    ],
}


@pytest.fixture
async def setup(db: Database, client: httpx.AsyncClient) -> dict[str, Any]:
    async with db.transaction() as s:
        group = await make_group(s, name="售后维修", is_default=True)
    agent, agent_token = await staff_token(db, role=Role.AGENT, group_ids=[group.id])
    _admin, admin_token = await staff_token(db, role=Role.ADMIN)
    h = bearer(admin_token)
    schedule = (await client.post("/api/v1/schedules", json=OFFICE, headers=h)).json()
    for body in (
        {
            "name": "紧急故障",
            "position": 1,
            "schedule_id": schedule["id"],
            "filter": {"priority": "urgent"},
            "targets": {"first_reply": 120, "next_reply": 60, "resolution": 480},
        },
        {
            "name": "投诉",
            "position": 2,
            "filter": {"tags": ["投诉"]},
            "targets": {"resolution": 240},
            "business_hours": False,
        },
        {"name": "普通咨询", "position": 9, "schedule_id": schedule["id"], "targets": {"first_reply": 240}},
    ):
        r = await client.post("/api/v1/sla-policies", json=body, headers=h)
        assert r.status_code == 201, r.text
    return {
        "agent": agent.id,
        "agent_token": agent_token,
        "admin_token": admin_token,
        "schedule": schedule["id"],
    }


def clock(ticket: dict[str, Any], metric: str) -> dict[str, Any]:
    return next(c for c in ticket["sla"] if c["metric"] == metric)


def local(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(SH)


async def _ticket(client: httpx.AsyncClient, token: str, **body: Any) -> dict[str, Any]:
    r = await client.post(
        "/api/v1/tickets", json={"subject": "手机无法开机", "channel": "phone", **body}, headers=bearer(token)
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


class TestDeadlines:
    async def test_first_matching_policy_in_business_hours(
        self, client: httpx.AsyncClient, setup: dict[str, Any]
    ) -> None:
        with time_machine.travel(datetime(2025, 9, 30, 17, 0, tzinfo=SH), tick=False):  # before National Day
            urgent = await _ticket(client, setup["agent_token"], priority="urgent")
            normal = await _ticket(client, setup["agent_token"])
            complaint = await _ticket(client, setup["agent_token"], tags=["投诉"])
        assert local(clock(urgent, "first_reply")["due_at"]) == datetime(2025, 10, 9, 10, 0, tzinfo=SH)
        assert local(clock(urgent, "resolution")["due_at"]) == datetime(
            2025, 10, 9, 17, 30, tzinfo=SH
        )  # 60 + 180 + 240
        assert local(clock(normal, "first_reply")["due_at"]) == datetime(2025, 10, 9, 12, 0, tzinfo=SH)
        # The complaint policy counts calendar minutes, holidays or not.
        assert local(clock(complaint, "resolution")["due_at"]) == datetime(2025, 9, 30, 21, 0, tzinfo=SH)
        assert {c["status"] for c in urgent["sla"]} == {"active"}

    async def test_priority_change_recomputes_open_clocks(
        self, client: httpx.AsyncClient, setup: dict[str, Any]
    ) -> None:
        with time_machine.travel(datetime(2025, 6, 10, 9, 0, tzinfo=SH), tick=False):
            t = await _ticket(client, setup["agent_token"])
            assert local(clock(t, "first_reply")["due_at"]) == datetime(2025, 6, 10, 14, 30, tzinfo=SH)
        with time_machine.travel(datetime(2025, 6, 10, 10, 0, tzinfo=SH), tick=False):
            r = await client.patch(
                f"/api/v1/tickets/{t['id']}",
                json={"priority": "urgent"},
                headers=bearer(setup["agent_token"]),
            )
        assert local(clock(r.json(), "first_reply")["due_at"]) == datetime(2025, 6, 10, 11, 0, tzinfo=SH)

    async def test_pending_pauses_and_open_resumes(
        self, client: httpx.AsyncClient, setup: dict[str, Any]
    ) -> None:
        h = bearer(setup["agent_token"])
        with time_machine.travel(datetime(2025, 6, 10, 9, 0, tzinfo=SH), tick=False):
            t = await _ticket(client, setup["agent_token"], priority="urgent")  # resolution 480 business min
        with time_machine.travel(datetime(2025, 6, 10, 10, 0, tzinfo=SH), tick=False):
            r = await client.patch(f"/api/v1/tickets/{t['id']}", json={"status": "pending"}, headers=h)
            paused = clock(r.json(), "resolution")
            assert (paused["status"], paused["due_at"]) == ("paused", None)
        with time_machine.travel(datetime(2025, 6, 11, 9, 0, tzinfo=SH), tick=False):
            r = await client.patch(f"/api/v1/tickets/{t['id']}", json={"status": "open"}, headers=h)
        # 60 minutes were used on the 10th; 420 remain from 09:00 on the 11th.
        assert local(clock(r.json(), "resolution")["due_at"]) == datetime(2025, 6, 11, 17, 30, tzinfo=SH)

    async def test_replies_fulfil_and_customer_messages_start_next_reply(
        self, db: Database, client: httpx.AsyncClient, setup: dict[str, Any]
    ) -> None:
        from tests.factories import customer_token

        _c, ctoken = await customer_token(db, email="wx@example.cn")
        with time_machine.travel(datetime(2025, 6, 10, 9, 0, tzinfo=SH), tick=False):
            t = await _ticket(client, ctoken, priority="urgent")
        with time_machine.travel(datetime(2025, 6, 10, 9, 40, tzinfo=SH), tick=False):
            await client.post(
                f"/api/v1/tickets/{t['id']}/comments",
                json={"body": "您好"},
                headers=bearer(setup["agent_token"]),
            )
        with time_machine.travel(datetime(2025, 6, 10, 11, 30, tzinfo=SH), tick=False):
            await client.post(
                f"/api/v1/tickets/{t['id']}/comments", json={"body": "还是不行"}, headers=bearer(ctoken)
            )
        got = (await client.get(f"/api/v1/tickets/{t['id']}", headers=bearer(setup["agent_token"]))).json()
        assert clock(got, "first_reply")["status"] == "fulfilled"
        next_reply = clock(got, "next_reply")
        assert next_reply["status"] == "active"
        assert local(next_reply["due_at"]) == datetime(
            2025, 6, 10, 14, 0, tzinfo=SH
        )  # 30 min + lunch + 30 min


class TestScan:
    async def test_breach_is_emitted_exactly_once_with_concurrent_scanners(
        self, db: Database, client: httpx.AsyncClient, setup: dict[str, Any]
    ) -> None:
        with time_machine.travel(datetime(2025, 6, 10, 9, 0, tzinfo=SH), tick=False):
            t = await _ticket(client, setup["agent_token"], tags=["投诉"])  # 240 calendar minutes
        others = [Database(db.url) for _ in range(3)]

        async def scan(database: Database, now: datetime) -> int:
            async with database.transaction() as s:
                return await sla_service.scan(s, now=now)

        try:
            for now in (datetime(2025, 6, 10, 12, 1, tzinfo=SH), datetime(2025, 6, 10, 13, 1, tzinfo=SH)):
                counts = await asyncio.gather(scan(db, now), *(scan(o, now) for o in others))
                assert sum(counts) == 1  # the 75 % warning at 12:00, then the breach at 13:00
        finally:
            for o in others:
                await o.dispose()
        later = datetime(2025, 6, 10, 13, 1, tzinfo=SH)
        async with db.session() as s:
            events = list((await s.execute(sa.select(SlaEvent.kind, SlaEvent.metric))).all())
            published = list(
                (
                    await s.execute(
                        sa.select(EventRecord.name)
                        .where(EventRecord.name.like("sla.%"))
                        .order_by(EventRecord.name)
                    )
                ).scalars()
            )
        assert sorted(events) == [("breach", "resolution"), ("warning", "resolution")]
        assert published == ["sla.breached", "sla.warning"]
        got = (await client.get(f"/api/v1/tickets/{t['id']}", headers=bearer(setup["agent_token"]))).json()
        assert clock(got, "resolution")["status"] == "breached"
        async with db.transaction() as s:
            assert await sla_service.scan(s, now=later) == 0


class TestClockJumps:
    async def test_the_clock_going_back_and_forward_neither_unbreaches_nor_repeats(
        self, db: Database, client: httpx.AsyncClient, setup: dict[str, Any]
    ) -> None:
        """Fault injection (issue 17 f): NTP steps the server clock. Deadlines are stored
        instants, so a step back does not reopen a breached clock or move its deadline, and
        stepping forward again does not raise the breach a second time."""
        with time_machine.travel(datetime(2025, 6, 10, 9, 0, tzinfo=SH), tick=False):
            t = await _ticket(client, setup["agent_token"], tags=["投诉"])  # due 13:00, calendar time
        due = clock(t, "resolution")["due_at"]

        async def scan_at(now: datetime) -> int:
            with time_machine.travel(now, tick=False):
                async with db.transaction() as s:
                    return await sla_service.scan(s, now=now)

        assert await scan_at(datetime(2025, 6, 10, 12, 1, tzinfo=SH)) == 1  # the 75 % warning
        assert await scan_at(datetime(2025, 6, 10, 13, 5, tzinfo=SH)) == 1  # the breach
        assert await scan_at(datetime(2025, 6, 10, 10, 0, tzinfo=SH)) == 0  # stepped back 3 h
        with time_machine.travel(datetime(2025, 6, 10, 10, 0, tzinfo=SH), tick=False):
            got = (
                await client.get(f"/api/v1/tickets/{t['id']}", headers=bearer(setup["agent_token"]))
            ).json()
        assert clock(got, "resolution")["status"] == "breached" and clock(got, "resolution")["due_at"] == due
        assert await scan_at(datetime(2025, 6, 10, 14, 0, tzinfo=SH)) == 0  # forward again
        async with db.session() as s:
            events = sorted((await s.execute(sa.select(SlaEvent.kind, SlaEvent.metric))).all())
        assert events == [("breach", "resolution"), ("warning", "resolution")]


class TestBadInput:
    async def test_schedule_and_policy_validation(
        self, client: httpx.AsyncClient, setup: dict[str, Any]
    ) -> None:
        h = bearer(setup["admin_token"])
        bad = {**OFFICE, "intervals": [{"weekday": 0, "start": "12:00", "end": "09:00"}]}
        r = await client.post("/api/v1/schedules", json=bad, headers=h)
        assert r.status_code == 422 and "not after start" in r.json()["error"]["message"]
        r = await client.post("/api/v1/schedules", json={**OFFICE, "intervals": []}, headers=h)
        assert r.status_code == 422 and r.json()["error"]["code"] == "no_working_time"
        r = await client.post(
            "/api/v1/sla-policies", headers=h, json={"name": "x", "targets": {"first_reply": -5}}
        )
        assert r.status_code == 422
        r = await client.post(
            "/api/v1/sla-policies",
            headers=h,
            json={"name": "x", "schedule_id": 99999, "targets": {"first_reply": 5}},
        )
        assert r.status_code == 404
        r = await client.post(
            "/api/v1/sla-policies",
            headers=h,
            json={"name": "x", "targets": {"first_reply": 5}, "pause_on": ["solved"]},
        )
        assert r.status_code == 422
        r = await client.post(
            "/api/v1/sla-policies",
            headers=bearer(setup["agent_token"]),
            json={"name": "x", "targets": {"first_reply": 5}},
        )
        assert r.status_code == 403

    async def test_schedule_due_endpoint_matches_the_calendar(
        self, client: httpx.AsyncClient, setup: dict[str, Any]
    ) -> None:
        r = await client.get(
            f"/api/v1/schedules/{setup['schedule']}/due",
            params={"start": "2025-09-30T17:00:00+08:00", "minutes": 120},
            headers=bearer(setup["agent_token"]),
        )
        assert local(r.json()["due_at"]) == datetime(2025, 10, 9, 10, 0, tzinfo=SH)
