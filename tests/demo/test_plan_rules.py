"""The demo keeps the plans' promises (both backends): an after-sales fault becomes 紧急 by a
trigger an admin can see and edit, and its 2-hour response runs on the clock a customer
counts (calendar time, also on a Saturday night); a complaint goes to 投诉处理; a customer who
sends feedback gets an automatic acknowledgement (by email on an email ticket)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
import time_machine

from kefu.demo.company import load
from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.models import OutboundMail
from tests.conftest import Configure
from tests.factories import bearer

SH = ZoneInfo("Asia/Shanghai")
SATURDAY_NIGHT = datetime(2026, 12, 5, 23, 30, tzinfo=SH)


@pytest.fixture
def no_history(configure: Configure) -> None:
    configure(demo_history_days=0)


@pytest.mark.usefixtures("no_history")
async def test_after_sales_faults_are_urgent_on_calendar_time_and_complaints_go_to_their_group(
    db: Database, client: httpx.AsyncClient
) -> None:
    with time_machine.travel(SATURDAY_NIGHT, tick=False):
        async with db.transaction() as session:
            await load(session)
        token = (
            await client.post(
                "/api/v1/auth/token", json={"email": "agent3@kefu.demo", "password": "kefu-demo"}
            )
        ).json()["access_token"]
        admin = (
            await client.post(
                "/api/v1/auth/token", json={"email": "admin@kefu.demo", "password": "kefu-demo"}
            )
        ).json()["access_token"]
        triggers = (await client.get("/api/v1/triggers", headers=bearer(admin))).json()
        names = {t["name"] for t in (triggers["items"] if isinstance(triggers, dict) else triggers)}
        assert {"售后故障 → 紧急", "投诉 → 投诉处理组"} <= names

        async def create(subject: str, category: str) -> int:
            r = await client.post(
                "/api/v1/tickets",
                json={"subject": subject, "description": "…", "channel": "web", "category": category,
                      "requester": {"email": "plan@example.cn"}},
                headers=bearer(token),
            )  # fmt: skip
            assert r.status_code == 201, r.text
            return int(r.json()["id"])

        fault = await create("洗衣机故障，无法开机", "售后/维修")
        complaint = await create("快递员态度恶劣", "投诉/物流")
        await Worker(db, concurrency=1).run_until_idle(max_rounds=200)
        got = (await client.get(f"/api/v1/tickets/{fault}", headers=bearer(admin))).json()
        assert got["priority"] == "urgent"
        first_reply = next(c for c in got["sla"] if c["metric"] == "first_reply")
        due = datetime.fromisoformat(first_reply["due_at"]).astimezone(SH)
        assert due == SATURDAY_NIGHT + timedelta(hours=2)  # Sunday 01:30, not Monday's office hours
        groups = {
            g["name"]: g["id"]
            for g in (await client.get("/api/v1/groups", headers=bearer(admin))).json()["items"]
        }
        assert (await client.get(f"/api/v1/tickets/{complaint}", headers=bearer(admin))).json()[
            "group_id"
        ] == groups["投诉处理"]


@pytest.mark.usefixtures("no_history")
async def test_feedback_is_acknowledged_automatically_and_bad_acknowledgements_are_refused(
    db: Database, client: httpx.AsyncClient
) -> None:
    async with db.transaction() as session:
        await load(session)
    agent = (
        await client.post("/api/v1/auth/token", json={"email": "agent1@kefu.demo", "password": "kefu-demo"})
    ).json()["access_token"]
    admin = (
        await client.post("/api/v1/auth/token", json={"email": "admin@kefu.demo", "password": "kefu-demo"})
    ).json()["access_token"]
    r = await client.post(
        "/api/v1/tickets",
        json={"subject": "建议增加夜间客服", "description": "晚上也想找人工", "channel": "email",
              "category": "反馈/建议", "requester": {"email": "feedback@example.cn"}},
        headers=bearer(agent),
    )  # fmt: skip
    assert r.status_code == 201, r.text
    tid = r.json()["id"]
    other = await client.post(
        "/api/v1/tickets",
        json={"subject": "发票", "description": "…", "channel": "email", "category": "购买/发票",
              "requester": {"email": "invoice@example.cn"}},
        headers=bearer(agent),
    )  # fmt: skip
    for _ in range(3):  # the listener job, then the send job it queues
        await Worker(db, concurrency=1).run_until_idle(max_rounds=200)
    got = (await client.get(f"/api/v1/tickets/{tid}", headers=bearer(admin))).json()
    acks = [c for c in got["comments"] if c["author_type"] == "system" and c["public"]]
    assert len(acks) == 1 and "1 小时内确认" in acks[0]["body"]
    assert got["owner_id"] is None and got["first_replied_at"] is None  # no person answered yet
    first_reply = next(c for c in got["sla"] if c["metric"] == "acknowledge")
    assert first_reply["status"] != "fulfilled"  # confirming is still a person's job
    async with db.read() as session:
        mails = (await session.execute(sa.select(OutboundMail))).scalars().all()
    sent = [m for m in mails if m.ticket_id == tid]
    assert [m.kind for m in sent] == ["auto_reply"] and sent[0].to_addr == "feedback@example.cn"
    assert f"[#{tid}]" in sent[0].subject
    assert not [m for m in mails if m.ticket_id == other.json()["id"]]  # not feedback: nothing

    for bad in ("", "   ", "长" * 2001):
        r = await client.post(
            "/api/v1/triggers",
            json={"name": f"坏的{len(bad)}", "on": "created", "conditions": [],
                  "actions": [{"action": "acknowledge", "value": bad}]},
            headers=bearer(admin),
        )  # fmt: skip
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_action"
