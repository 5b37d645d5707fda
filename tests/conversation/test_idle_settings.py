"""The admin decides when a silent chat ends (/admin/chat), not the server's environment: the
periodic close-idle job reads what was saved, and a value out of range is refused."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import sqlalchemy as sa
import time_machine

from kefu.conversation.tasks import close_idle
from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models import Conversation
from kefu.models.user import Role
from tests.factories import bearer
from tests.web.admin.cases import HTML, csrf, login


async def _bot_chat(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/widget/sessions", json={"name": "访客"})
    assert r.status_code == 201
    headers = bearer(r.json()["session_token"])
    r = await client.post(
        "/api/v1/widget/messages", json={"client_id": str(uuid.uuid4()), "text": "保修多久"}, headers=headers
    )
    assert r.status_code == 200, r.text


async def _open_chats(db: Database) -> int:
    async with db.read() as s:
        stmt = sa.select(sa.func.count()).select_from(Conversation).where(Conversation.status != "closed")
        return int((await s.execute(stmt)).scalar_one())


async def _run_job_at(db: Database, minutes_later: int) -> None:
    with time_machine.travel(utcnow() + timedelta(minutes=minutes_later), tick=False):
        async with db.transaction() as s:
            await close_idle(s, {})


async def test_the_saved_bot_idle_time_closes_silent_bot_chats(
    db: Database, client: httpx.AsyncClient
) -> None:
    await _bot_chat(client)
    await _bot_chat(client)
    assert await _open_chats(db) == 2
    await _run_job_at(db, 12)
    assert await _open_chats(db) == 2  # the server's default: 30 minutes

    await login(client, db, Role.ADMIN)
    page = await client.get("/admin/chat", headers=HTML)
    assert 'name="bot_idle_minutes"' in page.text and 'value="30"' in page.text
    assert "仅与机器人对话时" in page.text
    fields = {
        "csrf_token": csrf(page.text),
        "bot_enabled": "1",
        "after_hours": "bot",
        "agent_idle_minutes": "15",
    }
    r = await client.post(
        "/admin/chat", data={**fields, "bot_idle_minutes": "4", "human_idle_minutes": "120"}
    )
    assert r.status_code == 422  # under 5 minutes: refused, nothing saved
    await _run_job_at(db, 12)
    assert await _open_chats(db) == 2
    r = await client.post(
        "/admin/chat", data={**fields, "bot_idle_minutes": "10", "human_idle_minutes": "120"}
    )
    assert r.status_code == 303
    assert 'value="10"' in (await client.get("/admin/chat", headers=HTML)).text
    await _run_job_at(db, 12)
    assert await _open_chats(db) == 0
