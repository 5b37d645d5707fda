"""Two days of real tickets with known goal numbers (Asia/Shanghai).

Baseline day 2025-06-03: 2 tickets, 1 complaint (complaint rate 50 %).
Day 2025-06-10: 4 tickets, 1 complaint (25 %, i.e. -50 % vs baseline); first replies after
10, 60 and 20 minutes, one not answered: 2 of 3 answered within 30 min (66.67 %).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import time_machine

from kefu.kit.db import Database
from kefu.models.user import Role
from tests.factories import bearer, make_group, staff_token

SH = ZoneInfo("Asia/Shanghai")
# A daily goal on the share of first replies within 30 minutes (the two days reach 66.7 %).
DAILY_FRT = {"metric": "first_reply_within_30m", "comparison": "at_least", "period": "day"}
DAY = datetime(2025, 6, 10, tzinfo=SH)
BASE = datetime(2025, 6, 3, tzinfo=SH)


async def _call(
    client: httpx.AsyncClient, when: datetime, method: str, path: str, token: str, **body: Any
) -> Any:
    with time_machine.travel(when, tick=False):
        r = await client.request(method, path, json=body or None, headers=bearer(token))
    assert r.status_code < 300, r.text
    return r.json() if r.content else None


@pytest.fixture
async def two_days(db: Database, client: httpx.AsyncClient) -> dict[str, Any]:
    async with db.transaction() as s:
        group = await make_group(s, name="售后", is_default=True)
    _agent, agent = await staff_token(db, role=Role.AGENT, group_ids=[group.id])
    supervisor_user, supervisor = await staff_token(db, role=Role.SUPERVISOR, name="周主管")
    _admin, admin = await staff_token(db, role=Role.ADMIN)

    async def ticket(when: datetime, n: int, category: str) -> int:
        body = {
            "subject": f"{category} {n}",
            "description": "请帮忙",
            "channel": "email",
            "category": category,
            "requester": {"name": f"客户{n}", "email": f"c{n}@example.cn"},
        }
        return int((await _call(client, when, "POST", "/api/v1/tickets", agent, **body))["id"])

    async def reply(when: datetime, ticket_id: int) -> None:
        await _call(
            client, when, "POST", f"/api/v1/tickets/{ticket_id}/comments", agent, body="您好", public=True
        )

    await ticket(BASE.replace(hour=9), 1, "投诉/服务态度")
    await ticket(BASE.replace(hour=10), 2, "咨询")
    t1 = await ticket(DAY.replace(hour=9), 3, "投诉/服务态度")
    t2 = await ticket(DAY.replace(hour=10), 4, "咨询")
    t3 = await ticket(DAY.replace(hour=11), 5, "售后/维修")
    await ticket(DAY.replace(hour=12), 6, "咨询")
    await reply(DAY.replace(hour=9, minute=10), t1)
    await reply(DAY.replace(hour=11), t2)
    await reply(DAY.replace(hour=11, minute=20), t3)
    return {
        "admin": admin,
        "supervisor": supervisor,
        "agent": agent,
        "supervisor_email": supervisor_user.email,
    }


async def make_goal(client: httpx.AsyncClient, token: str, **body: Any) -> dict[str, Any]:
    r = await client.post("/api/v1/goals", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    return dict(r.json())
