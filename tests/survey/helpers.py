"""Shared set-up for survey tests: a group with its supervisor, an agent, a customer with an
email, a ticket solved through the API (and the jobs its events enqueued run)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.models import OutboundMail
from kefu.models.user import Role
from tests.factories import bearer, make_group, staff_token

LINK = re.compile(r"/s/([A-Za-z0-9_-]+)")


@dataclass
class Env:
    group_id: int
    supervisor_id: int
    supervisor: dict[str, str]
    agent_id: int
    agent: dict[str, str]
    admin: dict[str, str]


async def setup(db: Database) -> Env:
    async with db.transaction() as s:
        group = await make_group(s, name="售后服务", is_default=True)
        other = await make_group(s, name="售前咨询")
    # A supervisor of another group first: the follow-up must go to *this* group's supervisor.
    await staff_token(db, role=Role.SUPERVISOR, name="别组主管", group_ids=[other.id])
    sup, sup_token = await staff_token(db, role=Role.SUPERVISOR, name="陈主管", group_ids=[group.id])
    agent, agent_token = await staff_token(db, role=Role.AGENT, name="李小青", group_ids=[group.id])
    _admin, admin_token = await staff_token(db, role=Role.ADMIN, name="管理员")
    return Env(group.id, sup.id, bearer(sup_token), agent.id, bearer(agent_token), bearer(admin_token))


async def run_jobs(db: Database) -> None:
    await Worker(db, concurrency=1).run_until_idle()


async def solved_ticket(
    db: Database, client: httpx.AsyncClient, env: Env, *, email: str | None = "wangfang@example.cn"
) -> dict[str, Any]:
    requester: dict[str, Any] = {"name": "王芳"}
    if email:
        requester["email"] = email
    else:
        requester["phone"] = "+8613800138000"
    r = await client.post(
        "/api/v1/tickets",
        headers=env.agent,
        json={
            "subject": "耳机左边没有声音",
            "description": "买了一周就坏了",
            "channel": "email" if email else "web",
            "requester": requester,
            "group_id": env.group_id,
        },
    )
    assert r.status_code == 201, r.text
    ticket = r.json()
    r = await client.patch(
        f"/api/v1/tickets/{ticket['id']}",
        headers=env.agent,
        json={"assignee_id": env.agent_id, "status": "solved"},
    )
    assert r.status_code == 200, r.text
    await run_jobs(db)
    return dict(r.json())


async def survey_mails(db: Database) -> list[OutboundMail]:
    async with db.session() as s:
        rows = await s.execute(
            sa.select(OutboundMail).where(OutboundMail.kind == "survey").order_by(OutboundMail.id)
        )
        return list(rows.scalars().all())


async def token_from_mail(db: Database) -> str:
    mails = await survey_mails(db)
    assert mails, "no survey e-mail in the outbox"
    found = LINK.search(mails[-1].body_text)
    assert found
    return found.group(1)
