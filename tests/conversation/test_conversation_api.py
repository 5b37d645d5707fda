"""Conversations over REST (both backends): widget session → bot → hand-off → routed to the
online agent; the ticket shows why; visibility, transfer targets, bad input, rating once."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx

from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.models.user import Role
from tests.factories import bearer, make_group, staff_token

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def _setup(db: Database) -> tuple[int, Any, str, str]:
    async with db.transaction() as session:
        group = await make_group(session, name="售前咨询", is_default=True)
    agent, token = await staff_token(
        db, role=Role.AGENT, name="李小青", group_ids=[group.id], email="a1@kefu.demo"
    )
    _, other = await staff_token(db, role=Role.AGENT, name="局外人")
    return group.id, agent, token, other


async def _to_human(client: httpx.AsyncClient, db: Database, agent_token: str) -> tuple[int, str]:
    r = await client.put("/api/v1/agents/me/presence", json={"status": "online"}, headers=bearer(agent_token))
    assert r.status_code == 200 and r.json()["status"] == "online"
    r = await client.post("/api/v1/widget/sessions", json={"name": "王芳", "email": "wangfang@example.cn"})
    assert r.status_code == 201
    session = r.json()
    chat = bearer(session["session_token"])
    for text in ("我的手机屏幕碎了", "转人工"):
        r = await client.post(
            "/api/v1/widget/messages", json={"client_id": str(uuid.uuid4()), "text": text}, headers=chat
        )
        assert r.status_code == 200
    await Worker(db, concurrency=1).run_until_idle()  # the router job the hand-off enqueued
    return int(session["conversation_id"]), session["session_token"]


class TestHandOffOverRest:
    async def test_routed_to_the_online_agent_with_the_reason_on_the_ticket(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _group, _agent, token, other = await _setup(db)
        conv_id, _ = await _to_human(client, db, token)
        mine = (await client.get("/api/v1/conversations?scope=mine", headers=bearer(token))).json()["items"]
        assert [c["id"] for c in mine] == [conv_id]
        assert mine[0]["customer"]["name"] == "王芳" and mine[0]["unread"] == 2
        detail = (await client.get(f"/api/v1/conversations/{conv_id}", headers=bearer(token))).json()
        assert detail["assign_reason"]["rule"] == "least_loaded"
        assert [m["text"] for m in detail["messages"] if m["sender"] == "customer"] == [
            "我的手机屏幕碎了",
            "转人工",
        ]
        # Agents outside the group neither see nor write into it.
        assert (
            await client.get(f"/api/v1/conversations/{conv_id}", headers=bearer(other))
        ).status_code == 404
        r = await client.post(
            f"/api/v1/conversations/{conv_id}/messages",
            json={"client_id": "x1", "text": "hi"},
            headers=bearer(other),
        )
        assert r.status_code == 403 and r.json()["error"]["code"] == "not_assigned"

        # The agent's ticket page says why the conversation came to them.
        page = await client.get("/login")
        await client.post(
            "/login",
            data={
                "email": "a1@kefu.demo",
                "password": "secret-pass-1",
                "csrf_token": CSRF.search(page.text).group(1),
            },  # type: ignore[union-attr]
        )
        html = (await client.get(f"/agent/tickets/{detail['ticket_id']}")).text
        assert "分配依据" in html and "负载最低的在线坐席" in html and "0/5" in html

    async def test_transfer_targets_are_listed_for_agents_and_bad_transfers_are_refused(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _group, agent, token, _other = await _setup(db)
        conv_id, _ = await _to_human(client, db, token)
        agents = (await client.get("/api/v1/agents", headers=bearer(token))).json()["items"]
        assert any(a["name"] == "李小青" and a["status"] == "online" for a in agents)
        url = f"/api/v1/conversations/{conv_id}/transfer"
        r = await client.post(url, json={"to_user_id": agent.id, "to_group_id": 1}, headers=bearer(token))
        assert r.status_code == 422  # exactly one target
        r = await client.post(url, json={"to_user_id": agent.id}, headers=bearer(token))
        assert r.status_code == 409 and r.json()["error"]["code"] == "same_agent"
        r = await client.post(url, json={"to_user_id": 999_999}, headers=bearer(token))
        assert r.status_code == 422


class TestCustomerSide:
    async def test_bad_widget_input_gets_clear_4xx(self, db: Database, client: httpx.AsyncClient) -> None:
        await _setup(db)
        r = await client.post("/api/v1/widget/sessions", json={"email": "not-an-email"})
        assert r.status_code == 422
        r = await client.post("/api/v1/widget/messages", json={"client_id": "a", "text": "hi"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "bad_session"
        r = await client.post("/api/v1/widget/offline", json={"name": "张三", "text": "晚上好"})
        assert r.status_code == 422  # no way to answer: email or phone needed
        r = await client.post(
            "/api/v1/widget/offline",
            json={"name": "张三", "phone": "13800138000", "text": "耳机坏了，请回电"},
        )
        assert r.status_code == 201 and r.json()["ticket_id"] > 0
        session = (await client.post("/api/v1/widget/sessions", json={})).json()
        chat = bearer(session["session_token"])
        r = await client.post(
            "/api/v1/widget/messages", json={"client_id": "a", "text": "x" * 4001}, headers=chat
        )
        assert r.status_code == 422
        r = await client.get("/api/v1/widget/messages?after_seq=99", headers=chat)
        assert r.status_code == 422 and r.json()["error"]["code"] == "future_seq"
        r = await client.post("/api/v1/widget/rating", json={"score": 5}, headers=chat)
        assert r.status_code == 409  # nothing to rate before a human took part

    async def test_rating_after_the_agent_closes_counts_once(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _group, _agent, token, _other = await _setup(db)
        conv_id, session_token = await _to_human(client, db, token)
        r = await client.post(
            f"/api/v1/conversations/{conv_id}/close", json={"solve_ticket": True}, headers=bearer(token)
        )
        assert r.status_code == 200 and r.json()["status"] == "closed"
        chat = bearer(session_token)
        assert (
            await client.post("/api/v1/widget/rating", json={"score": 6}, headers=chat)
        ).status_code == 422
        assert (
            await client.post("/api/v1/widget/rating", json={"score": 5, "comment": "很快"}, headers=chat)
        ).status_code == 204
        again = await client.post("/api/v1/widget/rating", json={"score": 1}, headers=chat)
        assert again.status_code == 409 and again.json()["error"]["code"] == "already_rated"
        detail = (await client.get(f"/api/v1/conversations/{conv_id}", headers=bearer(token))).json()
        assert detail["rating"] == 5
        ticket = (await client.get(f"/api/v1/tickets/{detail['ticket_id']}", headers=bearer(token))).json()
        assert ticket["status"] == "solved"
