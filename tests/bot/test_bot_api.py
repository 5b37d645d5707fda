"""The NLU bot end to end through the widget API (SQLite and PostgreSQL): intents managed by
an admin, trained in a separate process, answering customers; the business-system action
against a real HTTP server on loopback; hand-offs with the collected facts; agent assist;
unanswered-question clusters; and what happens on bad input."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from kefu.kit.db import Database
from kefu.models import Conversation, Message, Ticket
from kefu.models.bot import BotTurnLog
from kefu.models.user import Role
from tests.factories import bearer, make_group, staff_token

# Loopback fakes stand in for outside services: the SSRF guard's test allow-list.
pytestmark = pytest.mark.usefixtures("allow_loopback")


class FakeErp(BaseHTTPRequestHandler):
    """The company's order system: good JSON, a slow answer, or garbage, by order number."""

    def do_GET(self) -> None:
        order = self.path.rsplit("/", 1)[-1]
        if order.endswith("9999"):
            time.sleep(2.0)  # longer than the action's 0.5 s timeout
        if order.endswith("8888"):
            body = b"<html>Internal error</html>"
        else:
            body = json.dumps({"status": "已发货", "carrier": "顺丰", "nested": {"x": 1}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def erp() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeErp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


INTENTS: list[dict[str, Any]] = [
    {
        "name": "refund_time",
        "title": "退款到账时间",
        "examples": [
            "退款多久到账",
            "钱什么时候退回来",
            "退款几天能到",
            "退款还没到账",
            "退的钱多久到",
            "how long does a refund take",
        ],
        "answer": "{name}您好，退款审核通过后 1–3 个工作日原路退回。",
        "answer_en": "Refunds reach your original payment method 1-3 working days after approval.",
    },
    {
        "name": "warranty",
        "title": "保修期",
        "examples": [
            "保修多久",
            "保修期是多长时间",
            "手机保修几年",
            "电池保修吗",
            "过保了还能修吗",
            "what is the warranty",
        ],
        "answer": "整机保修一年，电池保修六个月。",
        "buttons": ["退款到账时间"],
    },
    {
        "name": "complaint",
        "title": "投诉",
        "examples": ["我要投诉", "投诉你们客服", "我要举报你们", "给我投诉电话", "我要投诉快递员"],
        "answer": "已为您转接投诉专员。",
        "human_only": True,
        "config": {"group": "投诉处理"},
    },
]
SETTINGS = {
    "anger_handoff": 0.5,
    "questions": [
        {
            "field": "category",
            "label": "问题类型",
            "prompt": "请问您需要咨询哪类问题？",
            "options": ["订单问题=购买/订单", "产品使用=使用"],
        },
        {"field": "order_no", "label": "订单号", "prompt": "请提供订单号（XC 开头）", "pattern": "XC\\d{10}"},
    ],
}


async def _setup(client: httpx.AsyncClient, db: Database, erp: str) -> dict[str, str]:
    async with db.transaction() as session:
        await make_group(session, name="售前咨询", is_default=True)
        await make_group(session, name="投诉处理")
    _, token = await staff_token(db, role=Role.ADMIN)
    admin = bearer(token)
    order = {
        "name": "order_status",
        "title": "查询订单",
        "examples": [
            "查订单",
            "我的订单到哪了",
            "帮我查下物流",
            "快递到哪里了",
            "订单什么时候到",
            "where is my order",
        ],
        "answer": "订单 {order_no}：{status}（{carrier}）{missing}",
        "action": "http",
        "config": {
            "url": erp + "/orders/{order_no}",
            "timeout": 0.5,
            "slots": [{"name": "order_no", "prompt": "请提供订单号（XC 开头）", "pattern": "XC\\d{10}"}],
        },
    }
    for intent in [*INTENTS, order]:
        r = await client.post("/api/v1/bot/intents", json=intent, headers=admin)
        assert r.status_code == 201, r.text
    r = await client.put("/api/v1/bot/settings", json=SETTINGS, headers=admin)
    assert r.status_code == 200, r.text
    r = await client.post("/api/v1/bot/train", headers=admin)
    assert r.status_code == 200 and r.json()["n_intents"] == 4 and not r.json()["pending"], r.text
    return admin


async def _chat(client: httpx.AsyncClient) -> tuple[int, dict[str, str]]:
    r = await client.post(
        "/api/v1/widget/sessions", json={"name": "王芳", "email": f"{uuid.uuid4().hex[:8]}@example.cn"}
    )
    assert r.status_code == 201
    return r.json()["conversation_id"], bearer(r.json()["session_token"])


async def _say(client: httpx.AsyncClient, chat: dict[str, str], text: str) -> list[dict[str, Any]]:
    """Send one message; the bot's messages written in reply."""
    before = await client.get("/api/v1/widget/messages", headers=chat)
    last = max((m["seq"] for m in before.json()["items"]), default=0)
    r = await client.post(
        "/api/v1/widget/messages", json={"client_id": str(uuid.uuid4()), "text": text}, headers=chat
    )
    assert r.status_code == 200, r.text
    after = await client.get("/api/v1/widget/messages", headers=chat)
    return [m for m in after.json()["items"] if m["seq"] > last and m["sender"] != "customer"]


async def test_answers_asks_and_hands_off_with_facts(
    client: httpx.AsyncClient, db: Database, erp: str
) -> None:
    await _setup(client, db, erp)
    conv_id, chat = await _chat(client)
    # A confident answer, with the customer's name filled in and the follow-up button.
    replies = await _say(client, chat, "请问退款一般几天能到账？")
    assert replies[-1]["text"] == "王芳您好，退款审核通过后 1–3 个工作日原路退回。"
    replies = await _say(client, chat, "<b>保修</b>期多久呀")  # HTML in the question is ignored
    assert replies[-1]["text"] == "整机保修一年，电池保修六个月。" and replies[-1]["buttons"] == [
        "退款到账时间"
    ]
    replies = await _say(client, chat, "退款到账时间")  # pressing the button answers that intent
    assert "1–3 个工作日" in replies[-1]["text"]
    # An angry customer goes to a human after the configured questions; the order number
    # already given is not asked again.
    replies = await _say(client, chat, "你们这什么垃圾服务！！！订单XC1234567890到现在都没发货，气死我了！")
    assert replies[-1]["text"] == "请问您需要咨询哪类问题？" and replies[-1]["buttons"] == [
        "订单问题",
        "产品使用",
        "跳过",
    ]
    await _say(client, chat, "订单问题")
    async with db.transaction() as session:
        conv = await session.get(Conversation, conv_id)
        assert conv is not None and conv.status == "queued" and conv.ticket_id is not None
        ticket = await session.get(Ticket, conv.ticket_id)
        assert ticket is not None and ticket.priority == "high" and ticket.category == "购买/订单"
        notes = (
            await session.scalars(
                sa.select(Message).where(Message.conversation_id == conv_id, Message.internal.is_(True))
            )
        ).all()
        assert (
            len(notes) == 1 and "订单号：XC1234567890" in notes[0].text and "客户情绪：不满" in notes[0].text
        )
        assert notes[0].extra["facts"] == {
            "emotion": "negative",
            "order_no": "XC1234567890",
            "category": "购买/订单",
        }
        angry = await session.scalar(sa.select(Message).where(Message.text.like("你们这什么垃圾服务%")))
        assert angry is not None and angry.emotion == "negative" and (angry.anger or 0) >= 0.5
        outcomes = (
            await session.scalars(
                sa.select(BotTurnLog.outcome)
                .where(BotTurnLog.conversation_id == conv_id)
                .order_by(BotTurnLog.id)
            )
        ).all()
        assert outcomes == ["answered", "answered", "answered", "slot", "handoff"]
    # The customer never sees the internal note or the emotion.
    seen = (await client.get("/api/v1/widget/messages", headers=chat)).json()["items"]
    assert all("转人工前收集的信息" not in m["text"] and m.get("emotion") is None for m in seen)


async def test_business_system_action_and_its_failures(
    client: httpx.AsyncClient, db: Database, erp: str
) -> None:
    await _setup(client, db, erp)
    _, chat = await _chat(client)
    replies = await _say(client, chat, "帮我查下我的订单到哪了")
    assert replies[-1]["text"] == "请提供订单号（XC 开头）"
    replies = await _say(client, chat, "XC1234567890")
    assert replies[-1]["text"] == "订单 XC1234567890：已发货（顺丰）"  # unknown placeholders left out
    for order in ("XC1234569999", "XC1234568888"):  # too slow; not JSON
        _conv_id, chat = await _chat(client)
        started = time.monotonic()
        replies = await _say(client, chat, f"查订单 {order}")
        assert time.monotonic() - started < 5
        assert replies[0]["text"] == "抱歉，暂时查询不到相关信息。"
        assert replies[-1]["text"] == "请问您需要咨询哪类问题？"  # on its way to a human


async def test_misses_suggest_articles_then_a_human_and_are_clustered(
    client: httpx.AsyncClient, db: Database, erp: str
) -> None:
    admin = await _setup(client, db, erp)
    r = await client.post(
        "/api/v1/kb/articles",
        json={
            "title": "发票怎么开",
            "body": "电子发票在订单完成后开具，可在我的订单下载发票。",
            "status": "published",
        },
        headers=admin,
    )
    assert r.status_code == 201
    conv_id, chat = await _chat(client)
    replies = await _say(client, chat, "发票怎么开具")
    assert replies[-1].get("articles") == [
        {"id": r.json()["id"], "title": "发票怎么开", "url": f"/help/articles/{r.json()['id']}"}
    ], replies
    replies = await _say(client, chat, "😀😀😀")  # emoji only: a miss, no crash
    assert replies[-1]["buttons"][-1] == "转人工"  # the second miss in a row offers a human
    replies = await _say(client, chat, "👍👍!!")
    assert replies[-1]["text"] == "请问您需要咨询哪类问题？"  # the third: on its way to a human
    # Unanswered questions are grouped into suggestions for new intents or articles.
    async with db.transaction() as session:
        for text in ("发票抬头写错了怎么改", "发票抬头可以修改吗", "怎么修改发票抬头", "积分怎么兑换礼品"):
            session.add(BotTurnLog(conversation_id=conv_id, question=text, outcome="missed"))
    r = await client.get("/api/v1/bot/unanswered", headers=admin)
    assert r.status_code == 200
    top = r.json()["items"][0]
    assert top["size"] == 3 and "抬头" in top["label"], r.json()
    assert {c["size"] for c in r.json()["items"]} >= {3, 1}


async def test_agent_assist_suggests_a_draft_articles_and_macros(
    client: httpx.AsyncClient, db: Database, erp: str
) -> None:
    admin = await _setup(client, db, erp)
    r = await client.post(
        "/api/v1/macros",
        json={"title": "退款说明", "body": "退款将在审核后 1–3 个工作日原路退回。"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    conv_id, chat = await _chat(client)
    await _say(client, chat, "我要投诉，退款到现在还没到账")
    r = await client.get(f"/api/v1/assist?conversation_id={conv_id}", headers=admin)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["question"] == "我要投诉，退款到现在还没到账"
    assert body["macros"][0]["title"] == "退款说明"
    assert body["draft"]  # the bot's best answer, editable by the agent
    r = await client.get("/api/v1/assist", headers=admin)
    assert r.status_code == 422 and r.json()["error"]["code"] == "assist_target"
    r = await client.get("/api/v1/assist?conversation_id=999999", headers=admin)
    assert r.status_code == 404


async def test_intent_admin_rejects_bad_input_and_round_trips_csv(
    client: httpx.AsyncClient, db: Database, erp: str
) -> None:
    admin = await _setup(client, db, erp)
    bad = [
        ({"name": "x", "title": "x", "examples": ["   "]}, 422),
        ({"name": "Bad Name", "title": "x", "examples": ["a"]}, 422),
        ({"name": "refund_time", "title": "x", "examples": ["a"]}, 409),
        ({"name": "h", "title": "h", "examples": ["a"], "action": "http"}, 422),
        (
            {
                "name": "h",
                "title": "h",
                "examples": ["a"],
                "action": "http",
                "config": {"url": "http://x/{n}", "slots": [{"name": "n", "prompt": "?", "pattern": "(["}]},
            },
            422,
        ),
    ]
    for body, code in bad:
        r = await client.post("/api/v1/bot/intents", json=body, headers=admin)
        assert r.status_code == code, (body, r.text)
        assert "error" in r.json()
    _, agent = await staff_token(db, role=Role.AGENT)
    r = await client.post("/api/v1/bot/intents", json=INTENTS[0] | {"name": "other"}, headers=bearer(agent))
    assert r.status_code == 403
    exported = await client.get("/api/v1/bot/intents.csv", headers=admin)
    assert exported.status_code == 200 and exported.text.startswith("\ufeffintent,title,example")
    # Import into a renamed copy: the same intents and examples come back.
    csv_text = exported.text.lstrip("\ufeff").replace("refund_time,", "refund_time_copy,")
    r = await client.post(
        "/api/v1/bot/intents.csv", files={"file": ("i.csv", csv_text.encode("gb18030"))}, headers=admin
    )
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 1 and r.json()["updated"] == 3
    items = {i["name"]: i for i in (await client.get("/api/v1/bot/intents", headers=admin)).json()["items"]}
    assert items["refund_time_copy"]["examples"] == items["refund_time"]["examples"]
    assert items["refund_time_copy"]["answer"] == items["refund_time"]["answer"]
    r = await client.post(
        "/api/v1/bot/intents.csv", files={"file": ("i.csv", b"name,text\nx,y\n")}, headers=admin
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "csv_columns"
    r = await client.post("/api/v1/bot/intents.csv", files={"file": ("i.csv", b"")}, headers=admin)
    assert r.status_code == 422
    r = await client.get("/api/v1/bot/model", headers=admin)
    assert r.json()["pending"] is True  # the import changed the examples: retraining is due


async def test_one_intent_trains_and_the_rule_bot_serves_before_any(
    client: httpx.AsyncClient, db: Database
) -> None:
    async with db.transaction() as session:
        await make_group(session, name="售前咨询", is_default=True)
    _, chat = await _chat(client)
    replies = await _say(client, chat, "请问怎么退货？")  # no intents yet: the rule bot answers
    assert "7 天" in replies[-1]["text"]
    _, token = await staff_token(db, role=Role.ADMIN)
    admin = bearer(token)
    one = {"name": "hello", "title": "问候", "examples": ["你好"], "answer": "您好！"}
    assert (await client.post("/api/v1/bot/intents", json=one, headers=admin)).status_code == 201
    r = await client.post("/api/v1/bot/train", headers=admin)
    assert r.status_code == 200 and r.json()["n_intents"] == 1
    r = await client.post("/api/v1/bot/try", json={"text": "你好"}, headers=admin)
    assert r.status_code == 200 and r.json()["intent"] == "hello"
    r = await client.post("/api/v1/bot/try", json={"text": ""}, headers=admin)
    assert r.status_code == 422


async def test_ticket_action_records_a_ticket_and_tells_its_number(
    client: httpx.AsyncClient, db: Database, erp: str
) -> None:
    admin = await _setup(client, db, erp)
    intent = {
        "name": "invoice",
        "title": "开发票",
        "examples": [
            "帮我开张发票",
            "我要开发票",
            "申请开具发票",
            "需要增值税发票",
            "发票怎么申请",
            "i need an invoice",
        ],
        "answer": "好的，发票申请已记录。",
        "action": "ticket",
    }
    assert (await client.post("/api/v1/bot/intents", json=intent, headers=admin)).status_code == 201
    assert (await client.post("/api/v1/bot/train", headers=admin)).status_code == 200
    conv_id, chat = await _chat(client)
    replies = await _say(client, chat, "我要开发票")
    assert replies[0]["text"] == "好的，发票申请已记录。"
    async with db.transaction() as session:
        conv = await session.get(Conversation, conv_id)
        assert conv is not None and conv.status == "bot" and conv.ticket_id is not None  # no one waits
    assert replies[-1]["sender"] == "system" and f"#{conv.ticket_id}" in replies[-1]["text"]
    # Asked again: the same open ticket, not a second one.
    replies = await _say(client, chat, "帮我开张发票")
    assert f"#{conv.ticket_id}" in replies[-1]["text"]


async def test_try_shows_the_exact_reply_and_declines_off_topic_questions(
    client: httpx.AsyncClient, db: Database, erp: str
) -> None:
    admin = await _setup(client, db, erp)
    r = await client.post(
        "/api/v1/kb/articles",
        json={
            "title": "今天股市涨了吗？",
            "body": "股市涨了还是跌了，本店不提供股市行情。",
            "status": "published",
        },
        headers=admin,
    )
    assert r.status_code == 201
    r = await client.post("/api/v1/bot/try", json={"text": "退款多久到账"}, headers=admin)
    body = r.json()
    assert r.status_code == 200 and body["intent"] == "refund_time" and not body["declined"]
    assert body["reply"] == "您好，退款审核通过后 1–3 个工作日原路退回。"  # {name} left out, not raw
    r = await client.post("/api/v1/bot/try", json={"text": "how long does a refund take"}, headers=admin)
    assert r.json()["reply"].startswith("Refunds reach"), r.json()
    # Pinyin is Chinese typed in Latin letters: the same intent, answered in Chinese.
    r = await client.post("/api/v1/bot/try", json={"text": "tui kuan duo jiu dao zhang"}, headers=admin)
    assert r.json()["intent"] == "refund_time", r.json()
    assert r.json()["reply"] == "您好，退款审核通过后 1–3 个工作日原路退回。"
    r = await client.post("/api/v1/bot/try", json={"text": "保修期是多久"}, headers=admin)
    assert r.json()["intent"] == "warranty" and r.json()["buttons"] == ["退款到账时间"]
    # Off topic: no intent, a short decline, help-center results and a person at once.
    r = await client.post("/api/v1/bot/try", json={"text": "今天股市涨了吗"}, headers=admin)
    body = r.json()
    assert body["intent"] is None and body["declined"] and body["off_topic"]
    assert body["reply"].startswith("抱歉，这个问题不在我能解答的范围内")
    assert body["buttons"] == ["转人工"]
    assert [a["title"] for a in body["articles"]] == ["今天股市涨了吗？"]
    for text in ("明天天气怎么样", "给我讲个笑话"):
        r = await client.post("/api/v1/bot/try", json={"text": text}, headers=admin)
        assert r.json()["intent"] is None and "退款" not in r.json()["reply"], r.json()
    # In a chat the customer gets the same decline, and the question joins the unanswered ones.
    _, chat = await _chat(client)
    replies = await _say(client, chat, "明天天气怎么样")
    assert replies[-1]["text"].startswith("抱歉，这个问题不在我能解答的范围内")
    assert replies[-1]["buttons"] == ["转人工"]
    r = await client.get("/api/v1/bot/unanswered", headers=admin)
    assert any("明天天气怎么样" in c["examples"] for c in r.json()["items"])


async def test_assist_never_proposes_the_hand_off_line(
    client: httpx.AsyncClient, db: Database, erp: str
) -> None:
    admin = await _setup(client, db, erp)
    r = await client.get("/api/v1/assist", params={"q": "我要投诉你们客服"}, headers=admin)
    body = r.json()
    assert r.status_code == 200 and "转接" not in body["draft"] and body["intent"] != "complaint"
    r = await client.get("/api/v1/assist", params={"q": "明天天气怎么样"}, headers=admin)
    assert r.json()["intent"] is None and r.json()["draft"] == ""
    r = await client.get("/api/v1/assist", params={"q": "退款几天能到账"}, headers=admin)
    assert r.json()["intent"] == "refund_time" and "1–3 个工作日" in r.json()["draft"]
