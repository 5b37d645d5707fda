"""One conversation, one record (both backends): after the hand-off every message of a chat
— the customer's, the agent's, internal notes (internal), system events — is a comment of
its ticket with its real author and channel; the bot part before it is one collapsible
transcript with the right authors and the facts; the rating lands on the ticket too. The
widget's bot answers outside agent hours unless an admin turned it off, and a message left
from a chat carries the chat."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.models.user import Role
from tests.factories import bearer, make_group, staff_token

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def setup(db: Database) -> tuple[Any, str, str, str]:
    async with db.transaction() as session:
        group = await make_group(session, name="售后服务", is_default=True)
    agent, token = await staff_token(
        db, role=Role.AGENT, name="李小青", group_ids=[group.id], email="li@kefu.demo"
    )
    _, outsider = await staff_token(db, role=Role.AGENT, name="局外人")
    _, admin = await staff_token(db, role=Role.ADMIN, name="管理员", email="admin@kefu.demo")
    return agent, token, outsider, admin


def elsewhen() -> dict[str, Any]:
    """One working hour on a weekday that is not today in Shanghai: agents are off now."""
    today = datetime.now(ZoneInfo("Asia/Shanghai")).weekday()
    return {"weekday": (today + 3) % 7, "start": "09:00", "end": "10:00"}


async def say(client: httpx.AsyncClient, chat: dict[str, str], text: str) -> None:
    r = await client.post(
        "/api/v1/widget/messages", json={"client_id": str(uuid.uuid4()), "text": text}, headers=chat
    )
    assert r.status_code == 200, r.text


async def handed_off_chat(client: httpx.AsyncClient, db: Database, token: str) -> tuple[int, dict[str, str]]:
    r = await client.put("/api/v1/agents/me/presence", json={"status": "online"}, headers=bearer(token))
    assert r.status_code == 200
    r = await client.post("/api/v1/widget/sessions", json={"name": "王芳", "email": "wangfang@example.cn"})
    assert r.status_code == 201
    chat = bearer(r.json()["session_token"])
    await say(client, chat, "我的耳机充不进电")
    await say(client, chat, "转人工")
    await Worker(db, concurrency=1).run_until_idle()  # the router run the hand-off asked for
    return int(r.json()["conversation_id"]), chat


class TestTicketTimeline:
    async def test_a_handled_chat_is_on_its_ticket_with_real_authors_and_the_rating(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        agent, token, outsider, _admin = await setup(db)
        conv_id, chat = await handed_off_chat(client, db, token)
        detail = (await client.get(f"/api/v1/conversations/{conv_id}", headers=bearer(token))).json()
        assert detail["assignee_id"] == agent.id
        ticket_id = detail["ticket_id"]
        url = f"/api/v1/conversations/{conv_id}/messages"
        r = await client.post(
            url, json={"client_id": "r1", "text": "您好，请问订单号是多少？"}, headers=bearer(token)
        )
        assert r.status_code == 200
        r = await client.post(
            url, json={"client_id": "n1", "text": "疑似电池故障", "internal": True}, headers=bearer(token)
        )
        assert r.status_code == 200
        await say(client, chat, "订单号 E20261202001")
        r = await client.post(f"/api/v1/conversations/{conv_id}/close", json={}, headers=bearer(token))
        assert r.status_code == 200
        r = await client.post("/api/v1/widget/rating", json={"score": 4, "comment": "解决了"}, headers=chat)
        assert r.status_code == 204

        r = await client.get(f"/api/v1/tickets/{ticket_id}/comments", headers=bearer(token))
        assert r.status_code == 200
        items = r.json()["items"]
        # The bot part: one transcript, not a public reply attributed to the customer.
        first = items[0]
        assert first["author_type"] == "bot" and first["public"] is False and first["via"] == "chat"
        lines = first["data"]["transcript"]
        assert ("customer", "我的耳机充不进电") in [(line["sender"], line["text"]) for line in lines]
        assert any(line["sender"] == "bot" for line in lines)
        assert not [c for c in items if c["author_type"] == "customer" and "我的耳机充不进电" in c["body"]]
        # After the hand-off: message by message, in order, with their authors.
        after = [(c["author_type"], c["body"], c["public"]) for c in items[1:]]
        assert ("agent", "您好，请问订单号是多少？", True) in after
        assert ("agent", "疑似电池故障", False) in after  # the internal note stays internal
        assert ("customer", "订单号 E20261202001", True) in after
        assert any(kind == "system" and "李小青" in body and not public for kind, body, public in after)
        bodies = [body for _, body, _ in after]
        assert bodies.index("您好，请问订单号是多少？") < bodies.index("订单号 E20261202001")
        reply = next(c for c in items if c["body"] == "您好，请问订单号是多少？")
        assert reply["author_user_id"] == agent.id and reply["author_name"] == "李小青"
        assert reply["conversation_id"] == conv_id and reply["seq"] > 0
        customer_line = next(c for c in items if c["body"] == "订单号 E20261202001")
        assert customer_line["author_name"] == "王芳" and customer_line["author_customer_id"] is not None
        rating = items[-1]
        assert rating["data"] == {"rating": 4, "comment": "解决了"} and rating["author_type"] == "customer"
        # The same ticket through GET /tickets/{id}; agents outside the group see nothing.
        comments = (await client.get(f"/api/v1/tickets/{ticket_id}", headers=bearer(token))).json()[
            "comments"
        ]
        assert [c["id"] for c in comments] == [c["id"] for c in items]
        assert (
            await client.get(f"/api/v1/tickets/{ticket_id}/comments", headers=bearer(outsider))
        ).status_code == 404

        # The agent's ticket page shows it all with authors.
        page = await client.get("/login")
        await client.post(
            "/login",
            data={
                "email": "li@kefu.demo",
                "password": "secret-pass-1",
                "csrf_token": CSRF.search(page.text).group(1),
            },  # type: ignore[union-attr]
        )
        html = (await client.get(f"/agent/tickets/{ticket_id}")).text
        assert 'data-testid="transcript"' in html and "转人工前的对话" in html
        assert "订单号 E20261202001" in html and "疑似电池故障" in html and "★★★★☆" in html

    async def test_a_message_left_from_a_chat_carries_the_chat(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _agent, _token, _outsider, admin = await setup(db)
        r = await client.post("/api/v1/widget/sessions", json={"name": "夜猫子"})
        chat = bearer(r.json()["session_token"])
        await say(client, chat, "耳机左边没声音了")
        r = await client.post(
            "/api/v1/widget/offline",
            json={"name": "夜猫子", "phone": "13800138000", "text": "请明天回电"},
            headers=chat,
        )
        assert r.status_code == 201
        items = (
            await client.get(f"/api/v1/tickets/{r.json()['ticket_id']}/comments", headers=bearer(admin))
        ).json()["items"]
        assert items[0]["body"] == "请明天回电" and items[0]["author_type"] == "customer"
        transcript = next(c for c in items if c["author_type"] == "bot")["data"]["transcript"]
        assert ("customer", "耳机左边没声音了") in [(line["sender"], line["text"]) for line in transcript]


class TestBotAroundTheClock:
    async def test_widget_status_says_the_bot_answers_outside_agent_hours_until_an_admin_says_otherwise(
        self, db: Database, client: httpx.AsyncClient
    ) -> None:
        _agent, token, _outsider, admin = await setup(db)
        status = (await client.get("/api/v1/widget/status")).json()
        assert status["open"] is True and status["bot"] is True  # no schedule: always open
        r = await client.post(
            "/api/v1/schedules",
            headers=bearer(admin),
            json={
                "name": "另一天才营业",
                "timezone": "Asia/Shanghai",
                "intervals": [elsewhen()],
                "is_default": True,
            },
        )
        assert r.status_code == 201, r.text
        status = (await client.get("/api/v1/widget/status")).json()
        assert status["open"] is False and status["bot"] is True
        # Outside hours the bot still answers a routine question.
        r = await client.post("/api/v1/widget/sessions", json={"name": "深夜客户"})
        chat = bearer(r.json()["session_token"])
        await say(client, chat, "你好")
        msgs = (await client.get("/api/v1/widget/messages?after_seq=0", headers=chat)).json()["items"]
        assert [m["sender"] for m in msgs].count("bot") >= 2  # greeting and an answer

        # The admin's switches, stored in the database, through the admin form.
        page = await client.get("/login")
        await client.post(
            "/login",
            data={
                "email": "admin@kefu.demo",
                "password": "secret-pass-1",
                "csrf_token": CSRF.search(page.text).group(1),  # type: ignore[union-attr]
            },
        )
        form = await client.get("/admin/chat")
        assert form.status_code == 200 and "非工作时间" in form.text
        csrf = CSRF.search(form.text).group(1)  # type: ignore[union-attr]
        r = await client.post(
            "/admin/chat", data={"csrf_token": csrf, "bot_enabled": "1", "after_hours": "form"}
        )
        assert r.status_code == 303
        assert (await client.get("/api/v1/widget/status")).json()["bot"] is False
        r = await client.post("/admin/chat", data={"csrf_token": csrf, "after_hours": "nonsense"})
        assert r.status_code == 422
        r = await client.post("/admin/chat", data={"csrf_token": csrf, "after_hours": "bot"})  # bot off
        assert r.status_code == 303
        assert (await client.get("/api/v1/widget/status")).json()["bot"] is False
        # With the bot off a new chat goes straight to the agents' queue.
        r = await client.post("/api/v1/widget/sessions", json={"name": "急性子"})
        conv = (
            await client.get(f"/api/v1/conversations/{r.json()['conversation_id']}", headers=bearer(token))
        ).json()
        assert conv["status"] == "queued"
        assert not [m for m in conv["messages"] if m["sender"] == "bot"]
