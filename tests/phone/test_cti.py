"""CTI call events as the company's telephony posts them: signed, possibly repeated or out
of order; a call is one conversation on the caller's customer, the answering agent gets a
screen pop, missed calls become call-back tasks, speed of answer is measured."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.kit.jobs import Job, Worker
from kefu.kit.realtime import get_bus
from kefu.kit.time import utcnow
from kefu.models import Call, CallEvent, Conversation, Customer, Ticket
from kefu.models.user import Role
from kefu.webhook.signing import signature
from tests.factories import bearer, make_customer, make_group, staff_token

T0 = datetime(2026, 11, 24, 2, 0, 0, tzinfo=UTC)


async def integration(client: httpx.AsyncClient, db: Database, **body: Any) -> dict[str, Any]:
    _admin, token = await staff_token(db, role=Role.ADMIN)
    r = await client.post("/api/v1/channels/phone", headers=bearer(token), json={"name": "呼叫中心", **body})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def send(
    client: httpx.AsyncClient, integ: dict[str, Any], event: dict[str, Any], *, secret: str | None = None
) -> httpx.Response:
    body = json.dumps(event).encode()
    ts = int(time.time())
    headers = {
        "X-Kefu-Timestamp": str(ts),
        "X-Kefu-Signature": signature(secret or integ["secret"], ts, body),
        "Content-Type": "application/json",
    }
    return await client.post(integ["events_path"], headers=headers, content=body)


def ev(event_id: str, type_: str, call: str = "c-1", seconds: int = 0, **kw: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": type_,
        "call_id": call,
        "at": (T0 + timedelta(seconds=seconds)).isoformat(),
        **kw,
    }


async def rows(db: Database, model: Any, *where: Any) -> list[Any]:
    async with db.session() as s:
        return list((await s.execute(sa.select(model).where(*where))).scalars())


async def make_due(db: Database) -> None:
    async with db.transaction() as s:
        await s.execute(sa.update(Job).where(Job.status == "queued").values(run_at=utcnow()))


class TestCallLifecycle:
    async def test_out_of_order_and_repeated_events_make_one_call(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            known = await make_customer(s, name="张伟", phone="+8613800138000")
        agent, _ = await staff_token(db, role=Role.AGENT, name="李娜")
        integ = await integration(client, db, extensions={"8001": agent.id})
        bus = get_bus()
        sub = await bus.subscribe(f"user:{agent.id}")
        try:
            events = [
                ev(
                    "e2", "answered", seconds=12, agent_extension="8001", caller="13800138000"
                ),  # before ringing
                ev("e1", "ringing", seconds=0, caller="13800138000"),
                ev("e1", "ringing", seconds=0, caller="13800138000"),  # repeated
                ev("e4", "recording", seconds=200, recording_url="https://pbx.example.com/r/c-1.mp3"),
                ev("e3", "ended", seconds=190),
                ev("e2", "answered", seconds=12, agent_extension="8001"),  # repeated after the end
                ev("e5", "transcript", seconds=210, transcript="客户：手机充不进电。客服：请到店检测。"),
            ]
            statuses = []
            for e in events:
                r = await send(client, integ, e)
                assert r.status_code == 200, r.text
                statuses.append(r.json()["status"])
            assert statuses == [
                "accepted",
                "accepted",
                "duplicate",
                "accepted",
                "accepted",
                "duplicate",
                "accepted",
            ]
            pop = await asyncio.wait_for(sub.get(), 2)
            while pop.get("type") != "screen_pop":
                pop = await asyncio.wait_for(sub.get(), 2)
        finally:
            await bus.unsubscribe(sub)
        assert pop["customer_id"] == known.id and pop["caller"] != "13800138000"  # masked
        [call] = await rows(db, Call)
        assert (call.status, call.agent_id, call.customer_id) == ("ended", agent.id, known.id)
        assert call.speed_of_answer_seconds == 12 and call.answered_within_30s is True
        assert call.recording_url.endswith("c-1.mp3") and "充不进电" in call.transcript
        [conv] = await rows(db, Conversation)
        assert (conv.channel, conv.customer_id, conv.status) == ("phone", known.id, "closed")
        assert len(await rows(db, CallEvent)) == 5
        await make_due(db)
        await Worker(db).run_until_idle()
        assert await rows(db, Ticket) == []  # answered: no call-back task

    async def test_missed_call_becomes_one_call_back_task(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        async with db.transaction() as s:
            group = await make_group(s, name="电话回访组")
        integ = await integration(client, db, group_id=group.id)
        for e in (ev("m1", "ringing", "c-9", 0, caller="+86 139 0013 9000"), ev("m2", "ended", "c-9", 45)):
            assert (await send(client, integ, e)).status_code == 200
        assert (await send(client, integ, ev("m2", "ended", "c-9", 45))).json()["status"] == "duplicate"
        await make_due(db)
        await Worker(db).run_until_idle()
        [task] = await rows(db, Ticket)
        assert (task.type, task.channel, task.group_id) == ("task", "phone", group.id)
        assert task.due_at is not None and "回拨" in task.subject
        [call] = await rows(db, Call)
        assert (
            call.status == "missed"
            and call.callback_ticket_id == task.id
            and call.answered_within_30s is None
        )
        [customer] = await rows(db, Customer)
        assert task.customer_id == customer.id  # created from the caller's number
        await make_due(db)
        await Worker(db).run_until_idle()
        assert len(await rows(db, Ticket)) == 1

    async def test_speed_of_answer_is_reported(self, db: Database, client: httpx.AsyncClient) -> None:
        agent, _ = await staff_token(db, role=Role.AGENT)
        integ = await integration(client, db)
        for call, answer_after in (("fast", 8), ("slow", 45)):
            for e in (
                ev(f"{call}-r", "ringing", call, 0, caller="13800138001"),
                ev(f"{call}-a", "answered", call, answer_after, agent_id=agent.id),
                ev(f"{call}-e", "ended", call, 120),
            ):
                assert (await send(client, integ, e)).status_code == 200
        await send(client, integ, ev("lost-r", "ringing", "lost", 0, caller="13800138001"))
        await send(client, integ, ev("lost-e", "ended", "lost", 20))
        _sup, token = await staff_token(db, role=Role.SUPERVISOR)
        r = await client.get("/api/v1/calls/summary", headers=bearer(token))
        assert r.json() == {
            "offered": 3,
            "answered": 2,
            "missed": 1,
            "answered_within_30s": 1,
            "service_level_30s": 0.3333,
            "asa_seconds": 26.5,
        }
        # The phone standard beside the other channels: the analytics summary (reports, CSV).
        summary = (await client.get("/api/v1/analytics/summary", headers=bearer(token))).json()
        assert summary["calls_offered"] == 3 and summary["call_service_level_30s"] == 0.3333
        assert summary["call_abandon_rate"] == 0.3333 and summary["call_asa_seconds"] == 26.5
        live = (await client.get("/api/v1/analytics/live", headers=bearer(token))).json()  # the wallboard
        assert live["calls_today"] == 3 and live["call_service_level_30s_today"] == 0.3333
        r = await client.get("/api/v1/calls", headers=bearer(token))
        by_id = {c["external_id"]: c for c in r.json()["items"]}
        assert by_id["fast"]["answered_within_30s"] is True and by_id["slow"]["speed_of_answer_seconds"] == 45
        _agent, agent_token = await staff_token(db, role=Role.AGENT)
        assert (await client.get("/api/v1/calls", headers=bearer(agent_token))).status_code == 403


class TestBadInput:
    async def test_unsigned_forged_and_invalid_events_store_nothing(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        integ = await integration(client, db)
        e = ev("x1", "ringing", caller="13800138000")
        r = await client.post(integ["events_path"], json=e)
        assert r.status_code == 401 and r.json()["error"]["code"] == "missing_signature"
        r = await send(client, integ, e, secret="not-the-secret")
        assert r.status_code == 403 and r.json()["error"]["code"] == "bad_signature"
        r = await send(client, {**integ, "events_path": "/api/v1/channels/phone/999/events"}, e)
        assert r.status_code == 401 and r.json()["error"]["code"] == "unknown_integration"
        for bad in (
            {**e, "type": "exploded"},
            {"event_id": "x2"},
            {**e, "recording_url": "javascript:alert(1)"},
        ):
            r = await send(client, integ, bad)
            assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_event", bad
        assert (
            await rows(db, Call) == []
            and await rows(db, CallEvent) == []
            and await rows(db, Conversation) == []
        )

    async def test_withheld_number_still_makes_a_call(self, db: Database, client: httpx.AsyncClient) -> None:
        integ = await integration(client, db)
        r = await send(client, integ, ev("w1", "ringing", "anon", caller="anonymous"))
        assert r.status_code == 200
        [customer] = await rows(db, Customer)
        assert customer.name == "未知来电"
