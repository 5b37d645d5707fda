"""A reply from the ticket page of a chat ticket can go by email (both backends): through the
outbox and a real SMTP server on loopback, with the [#id] subject token, the conversation
below the reply (customer, bot and agent lines with their times, never an internal note),
and the customer's answer to that mail threads back into the same ticket. Without the box
nothing is mailed, as before."""

from __future__ import annotations

import re
import uuid

import httpx
import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.kit.jobs import Worker
from kefu.models import OutboundMail, TicketComment
from kefu.models.user import Role
from tests.factories import PASSWORD, bearer, make_group, staff_token
from tests.mail.conftest import Mta, Outgoing, mail, run_jobs

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HTML = {"accept": "text/html"}


async def _say(client: httpx.AsyncClient, chat: dict[str, str], text: str) -> None:
    r = await client.post(
        "/api/v1/widget/messages", json={"client_id": str(uuid.uuid4()), "text": text}, headers=chat
    )
    assert r.status_code == 200, r.text


async def chat_ticket(
    client: httpx.AsyncClient, db: Database, *, email: str | None = "wangfang@example.cn"
) -> tuple[int, int, str]:
    """A chat handed off to 李小青, answered, with a note, then closed; (conv, ticket, token)."""
    async with db.transaction() as s:
        group = await make_group(s, name="售后服务", is_default=True)
    _agent, token = await staff_token(
        db, role=Role.AGENT, name="李小青", group_ids=[group.id], email="li@kefu.demo"
    )
    r = await client.put("/api/v1/agents/me/presence", json={"status": "online"}, headers=bearer(token))
    assert r.status_code == 200
    session_body = {"name": "王芳", **({"email": email} if email else {})}
    r = await client.post("/api/v1/widget/sessions", json=session_body)
    assert r.status_code == 201
    conv_id, chat = int(r.json()["conversation_id"]), bearer(r.json()["session_token"])
    await _say(client, chat, "我的耳机充不进电")
    await _say(client, chat, "转人工")
    await Worker(db, concurrency=1).run_until_idle()
    ticket_id = (await client.get(f"/api/v1/conversations/{conv_id}", headers=bearer(token))).json()[
        "ticket_id"
    ]
    url = f"/api/v1/conversations/{conv_id}/messages"
    for client_id, text, internal in (
        ("r1", "您好，请问订单号是多少？", False),
        ("n1", "内部：疑似电池批次问题", True),
    ):
        r = await client.post(
            url, json={"client_id": client_id, "text": text, "internal": internal}, headers=bearer(token)
        )
        assert r.status_code == 200, r.text
    await _say(client, chat, "订单号 E20261202001")
    r = await client.post(f"/api/v1/conversations/{conv_id}/close", json={}, headers=bearer(token))
    assert r.status_code == 200
    return conv_id, int(ticket_id), token


class TestReplyByEmail:
    async def test_the_mail_carries_the_conversation_and_the_answer_threads_back(
        self, db: Database, mta: Mta, outgoing: Outgoing, client: httpx.AsyncClient
    ) -> None:
        _conv, ticket_id, token = await chat_ticket(client, db)
        r = await client.post(
            f"/api/v1/tickets/{ticket_id}/comments",
            json={"body": "已为您登记寄修，请把耳机寄到深圳维修中心。", "public": True, "email": True},
            headers=bearer(token),
        )
        assert r.status_code == 201, r.text
        assert r.json()["data"] == {"email": True}
        await run_jobs(db)
        [sent] = outgoing.messages
        assert sent["To"] == "wangfang@example.cn"
        assert re.search(rf"\[#{ticket_id}\]$", sent["Subject"])
        assert sent["Auto-Submitted"] is None  # a person wrote it
        body = sent.get_content()
        assert body.startswith("已为您登记寄修")
        below = body.split("会话记录", 1)[1]
        assert re.search(r"\[\d{4}-\d\d-\d\d \d\d:\d\d\] 客户 王芳：我的耳机充不进电", below)
        assert "机器人：" in below
        assert re.search(r"\[\d{4}-\d\d-\d\d \d\d:\d\d\] 客服 李小青：您好，请问订单号是多少？", below)
        assert "客户 王芳：订单号 E20261202001" in below
        assert below.index("我的耳机充不进电") < below.index("请问订单号") < below.index("E20261202001")
        assert "疑似电池批次问题" not in body  # internal notes never leave the house
        assert "为您服务" not in below  # nor system lines
        assert f"#{ticket_id}" in body.rsplit("会话记录", 1)[1]  # the footer after the transcript

        # The customer answers the mail: back into the same ticket, by the [#id] token.
        await mta.deliver(
            mail(
                subject=f"Re: {sent['Subject']}",
                body="好的，明天寄出。",
                sender="王芳 <wangfang@example.cn>",
                message_id="<a1@example.cn>",
            )
        )
        async with db.session() as s:
            last = (
                await s.execute(sa.select(TicketComment).order_by(TicketComment.id.desc()).limit(1))
            ).scalar_one()
        assert (last.ticket_id, last.body, last.via) == (ticket_id, "好的，明天寄出。", "email")

    async def test_without_the_box_nothing_is_mailed_and_bad_requests_are_refused(
        self, db: Database, outgoing: Outgoing, client: httpx.AsyncClient
    ) -> None:
        _conv, ticket_id, token = await chat_ticket(client, db)
        url = f"/api/v1/tickets/{ticket_id}/comments"
        r = await client.post(url, json={"body": "普通回复", "public": True}, headers=bearer(token))
        assert r.status_code == 201
        r = await client.post(
            url, json={"body": "备注", "public": False, "email": True}, headers=bearer(token)
        )
        assert r.status_code == 422
        await run_jobs(db)
        assert outgoing.messages == []

    async def test_a_customer_without_an_email_address_is_a_409(
        self, db: Database, outgoing: Outgoing, client: httpx.AsyncClient
    ) -> None:
        _conv, ticket_id, token = await chat_ticket(client, db, email=None)
        r = await client.post(
            f"/api/v1/tickets/{ticket_id}/comments",
            json={"body": "您好", "public": True, "email": True},
            headers=bearer(token),
        )
        assert r.status_code == 409 and r.json()["error"]["code"] == "no_customer_email"
        comments = (await client.get(f"/api/v1/tickets/{ticket_id}/comments", headers=bearer(token))).json()
        assert "您好" not in [c["body"] for c in comments["items"]]  # nothing half-done

    async def test_the_ticket_page_ticks_the_box_once_the_chat_is_over(
        self, db: Database, outgoing: Outgoing, client: httpx.AsyncClient
    ) -> None:
        _conv, ticket_id, _token = await chat_ticket(client, db)
        page = await client.get("/login", headers=HTML)
        csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        r = await client.post(
            "/login", data={"email": "li@kefu.demo", "password": PASSWORD, "csrf_token": csrf}
        )
        assert r.status_code == 303
        page = await client.get(f"/agent/tickets/{ticket_id}", headers=HTML)
        box = re.search(
            r'<label class="inline-check" data-testid="reply-by-email">.*?</label>', page.text, re.S
        )
        assert box is not None and "checked" in box.group(0)
        csrf = CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        r = await client.post(
            f"/agent/tickets/{ticket_id}/reply",
            data={"csrf_token": csrf, "body": "已处理完毕。", "public": "on", "email": "on"},
        )
        assert r.status_code == 303, r.text
        await run_jobs(db)
        [sent] = outgoing.messages
        assert sent.get_content().startswith("已处理完毕。") and "会话记录" in sent.get_content()
        page = await client.get(f"/agent/tickets/{ticket_id}", headers=HTML)
        assert 'data-testid="emailed"' in page.text
        async with db.session() as s:
            kinds = (await s.execute(sa.select(OutboundMail.kind))).scalars().all()
        assert kinds == ["reply"]
