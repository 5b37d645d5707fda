"""A small team for the improvement tests (a group, an agent, a supervisor, an admin), an API
helper, and tickets created at a chosen moment (Asia/Shanghai)."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass
class Team:
    group_id: int
    agent_id: int
    agent: str
    supervisor_id: int
    supervisor: str
    admin: str


@pytest.fixture
async def team(db: Database) -> Team:
    async with db.transaction() as s:
        group = await make_group(s, name="售后", is_default=True)
    a, agent = await staff_token(db, role=Role.AGENT, name="陈静", group_ids=[group.id])
    s_, supervisor = await staff_token(db, role=Role.SUPERVISOR, name="王主管")
    _ad, admin = await staff_token(db, role=Role.ADMIN, name="管理员")
    return Team(group.id, a.id, agent, s_.id, supervisor, admin)


async def call(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    token: str,
    expect: int | None = None,
    when: datetime | None = None,
    **body: Any,
) -> Any:
    async def go() -> httpx.Response:
        return await client.request(
            method,
            path,
            json=body if body or method in ("POST", "PUT", "PATCH") else None,
            headers=bearer(token),
        )

    if when is not None:
        with time_machine.travel(when, tick=False):
            r = await go()
    else:
        r = await go()
    if expect is not None:
        assert r.status_code == expect, r.text
    else:
        assert r.status_code < 300, r.text
    return r.json() if r.content else None


async def ticket(
    client: httpx.AsyncClient, token: str, when: datetime, category: str, n: int, **extra: Any
) -> int:
    body = {
        "subject": f"{category}问题 {n}",
        "description": "请帮忙处理",
        "channel": "email",
        "category": category,
        "requester": {"name": f"客户{n}", "email": f"c{n}@example.cn"},
        **extra,
    }
    return int((await call(client, "POST", "/api/v1/tickets", token, when=when, **body))["id"])
