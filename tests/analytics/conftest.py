"""A scripted day of support work with known answers (2025-06-10, a Tuesday, Asia/Shanghai).

Tickets go through the REST API at frozen instants; surveys and chat sessions are written as
rows with chosen timestamps (the survey and chat domains have their own tests).

| ticket | customer | created | first reply | solved | notes |
|--------|----------|---------|-------------|--------|-------|
| T1 | A | 09:00 email 售后/维修 | 09:10 | 10:00 | customer writes 09:30, agent 09:50 (next reply 20 min) |
| T2 | B | 09:00 phone 投诉/服务态度 | 11:00 (SLA breached 10:00) | 14:00 | complaint |
| T3 | A | 10:05 email 咨询 | 10:35 | — | second contact of A after T1 |
| T4 | C | 13:00 web 使用 | 13:40 | 15:00, reopened 15:30, 16:00 | |
Chats of customer D: C1 contained, C2 handed off (queued 11:05, assigned 11:06, closed 11:20),
C3 contained. CSAT 100 and 25 (3 sent); NPS 10, 9, 7, 2.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa
import time_machine

from kefu.auth.service import auth_service
from kefu.kit.db import Database
from kefu.models import Conversation, Survey
from kefu.models.bot import BotTurnLog
from kefu.models.user import Role
from kefu.sla.service import sla_service
from tests.factories import bearer, make_customer, make_group, staff_token

SH = ZoneInfo("Asia/Shanghai")
DAY = datetime(2025, 6, 10, tzinfo=SH)
OFFICE = {
    "name": "办公时间",
    "timezone": "Asia/Shanghai",
    "is_default": True,
    "intervals": [
        {"weekday": d, "start": s, "end": e}
        for d in range(5)
        for s, e in (("09:00", "12:00"), ("13:30", "18:00"))
    ],
}
EXPECTED: dict[str, Any] = {
    "tickets_created": 4,
    "tickets_solved": 3,
    "first_reply_seconds_p50": 2100.0,  # 600, 1800, 2400, 7200
    "first_reply_seconds_p90": 5760.0,
    "first_reply_business_seconds_p50": 1200.0,  # 600, 600, 1800, 7200
    "next_reply_seconds_p50": 1200.0,
    "resolution_seconds_p50": 10800.0,  # 3600, 10800, 18000
    "resolution_business_seconds_p50": 9000.0,  # 3600, 9000, 12600
    "handle_time_seconds_avg": 840.0,
    "queue_wait_seconds_p50": 60.0,
    "fcr_rate": 0.3333,
    "reopen_rate": 0.3333,
    "transfers": 0,
    "sla_compliance": 0.75,
    "sla_first_reply_compliance": 0.75,
    "sla_breaches": 1,
    "csat": 62.5,
    "csat_responses": 2,
    "csat_response_rate": 0.6667,
    "nps": 25.0,
    "nps_responses": 4,
    "conversations": 3,
    "bot_conversations": 3,
    "bot_containment": 0.6667,
    "handoff_rate": 0.3333,
    "repeat_contact_rate": 0.4286,  # T3, C2, C3 of 7 contacts
    "complaints": 1,
    "complaint_rate": 0.25,
    "percentiles_exact": True,
}


def at(hh: int, mm: int = 0) -> datetime:
    return DAY.replace(hour=hh, minute=mm)


class Script:
    def __init__(self, client: httpx.AsyncClient, db: Database) -> None:
        self.client, self.db = client, db
        self.ids: dict[str, Any] = {}

    async def call(self, when: datetime, method: str, path: str, token: str, **body: Any) -> dict[str, Any]:
        with time_machine.travel(when, tick=False):
            r = await self.client.request(method, path, json=body or None, headers=bearer(token))
        assert r.status_code < 300, r.text
        return dict(r.json())


async def _customer_token(db: Database, customer_id: int) -> str:
    async with db.transaction() as s:
        return (await auth_service.issue_customer_token(s, customer_id, name="portal")).token


@pytest.fixture
async def scripted_day(db: Database, client: httpx.AsyncClient) -> dict[str, Any]:
    async with db.transaction() as s:
        group = await make_group(s, name="售后", is_default=True)
        customer_d = await make_customer(s, name="丁")
    agent, agent_token = await staff_token(db, role=Role.AGENT, group_ids=[group.id])
    supervisor, sup_token = await staff_token(db, role=Role.SUPERVISOR)
    _admin, admin_token = await staff_token(db, role=Role.ADMIN)
    sc = Script(client, db)
    schedule = await sc.call(at(8), "POST", "/api/v1/schedules", admin_token, **OFFICE)
    await sc.call(
        at(8),
        "POST",
        "/api/v1/sla-policies",
        admin_token,
        name="首响",
        position=1,
        schedule_id=schedule["id"],
        targets={"first_reply": 60},
    )

    async def ticket(when: datetime, email: str, channel: str, category: str) -> dict[str, Any]:
        return await sc.call(
            when,
            "POST",
            "/api/v1/tickets",
            agent_token,
            subject=f"{category} 问题",
            description="请帮忙",
            channel=channel,
            category=category,
            requester={"name": email.split("@")[0], "email": email},
        )

    async def reply(when: datetime, ticket_id: int) -> None:
        await sc.call(
            when,
            "POST",
            f"/api/v1/tickets/{ticket_id}/comments",
            agent_token,
            body="您好，已处理",
            public=True,
        )

    async def customer_says(when: datetime, ticket_id: int, token: str) -> None:
        await sc.call(
            when, "POST", f"/api/v1/tickets/{ticket_id}/comments", token, body="还是不行", public=True
        )

    async def solve(when: datetime, ticket_id: int) -> None:
        await sc.call(when, "PATCH", f"/api/v1/tickets/{ticket_id}", agent_token, status="solved")

    t1 = await ticket(at(9), "a@example.cn", "email", "售后/维修")
    t2 = await ticket(at(9), "b@example.cn", "phone", "投诉/服务态度")
    token_a = await _customer_token(db, t1["customer_id"])
    token_c: str | None = None
    await reply(at(9, 10), t1["id"])
    await customer_says(at(9, 30), t1["id"], token_a)
    await reply(at(9, 50), t1["id"])
    await solve(at(10), t1["id"])
    t3 = await ticket(at(10, 5), "a@example.cn", "email", "咨询")
    async with db.transaction() as s:
        assert await sla_service.scan(s, now=at(10, 30)) >= 1  # T2's first reply breaches at 10:00
    await reply(at(10, 35), t3["id"])
    await reply(at(11), t2["id"])
    t4 = await ticket(at(13), "c@example.cn", "web", "使用")
    token_c = await _customer_token(db, t4["customer_id"])
    await reply(at(13, 40), t4["id"])
    await solve(at(14), t2["id"])
    await solve(at(15), t4["id"])
    await customer_says(at(15, 30), t4["id"], token_c)  # reopens T4
    await solve(at(16), t4["id"])

    async with db.transaction() as s:
        chats = [
            Conversation(
                customer_id=customer_d.id,
                channel="chat",
                status="closed",
                created_at=at(10),
                closed_at=at(10, 10),
            ),
            Conversation(
                customer_id=customer_d.id,
                channel="chat",
                status="closed",
                created_at=at(11),
                first_queued_at=at(11, 5),
                queued_at=at(11, 5),
                assigned_at=at(11, 6),
                assignee_id=agent.id,
                group_id=group.id,
                closed_at=at(11, 20),
            ),
            Conversation(
                customer_id=customer_d.id,
                channel="chat",
                status="closed",
                created_at=at(12),
                closed_at=at(12, 15),
            ),
        ]
        s.add_all(chats)
        await s.flush()
        s.add_all(
            BotTurnLog(conversation_id=c.id, question="你好", outcome="answered", created_at=c.created_at)
            for c in chats
        )
        expires = at(23) + timedelta(days=14)
        for n, (tid, score) in enumerate(((t1["id"], 5), (t2["id"], 2), (t4["id"], None))):
            sent = at(16, 30)
            s.add(
                Survey(
                    kind="csat",
                    ticket_id=tid,
                    token=f"csat-{n}",
                    dedupe_key=f"csat-{n}",
                    sent_at=sent,
                    expires_at=expires,
                    answered_at=at(17) if score else None,
                    score=score,
                    score_100=(score - 1) * 25 if score else None,
                    channel="email",
                )
            )
        for n, score in enumerate((10, 9, 7, 2)):
            s.add(
                Survey(
                    kind="nps",
                    token=f"nps-{n}",
                    dedupe_key=f"nps-{n}",
                    sent_at=at(8),
                    expires_at=expires,
                    answered_at=at(17),
                    score=score,
                    channel="email",
                )
            )
        count = (await s.execute(sa.select(sa.func.count()).select_from(Conversation))).scalar()
        assert count == 3
    return {
        "supervisor_token": sup_token,
        "supervisor_email": supervisor.email,
        "agent": agent.id,
        "agent_token": agent_token,
        "admin_token": admin_token,
        "group": group.id,
        "tickets": [t1["id"], t2["id"], t3["id"], t4["id"]],
    }
