"""The demo company's bot (43 intents) through the admin's try box: off-topic questions it has
never seen are declined (intent null), paraphrases of its intents still find them. The
questions here are in no data file (not the intents, the background lists or the bench sets)."""

from __future__ import annotations

import httpx

from kefu.demo.intents import INTENTS
from kefu.kit.db import Database
from kefu.models.user import Role
from tests.factories import bearer, staff_token

OFF_TOPIC = (
    "下周去大连穿什么衣服合适",
    "蒜蓉西兰花怎么炒",
    "宁德时代的股票还能涨吗",
    "你会不会做梦",
    "布偶猫一天喂几次",
    "去香港要办什么证件",
)
IN_SCOPE = (
    ("快递好几天了还没到，帮我看看到哪了", "order_status"),
    ("收货地址写成老家了，想改成公司", "change_address"),
    ("屏幕碎了换一块要花多少钱", "screen_repair_price"),
    ("退的钱怎么还没到我卡上", "refund_time"),
)


async def test_the_demo_bot_declines_unseen_off_topic_questions_and_finds_paraphrases(
    client: httpx.AsyncClient, db: Database
) -> None:
    _, token = await staff_token(db, role=Role.ADMIN)
    admin = bearer(token)
    for intent in INTENTS:  # the examples as the demo loader stores them; plain answers
        examples = [*intent.examples, *intent.examples_en]
        body = {"name": intent.name, "title": intent.title, "examples": examples, "answer": intent.answer}
        r = await client.post("/api/v1/bot/intents", json=body, headers=admin)
        assert r.status_code == 201, r.text
    r = await client.post("/api/v1/bot/train", headers=admin)
    assert r.status_code == 200 and r.json()["n_intents"] == len(INTENTS), r.text
    for text in OFF_TOPIC:
        r = await client.post("/api/v1/bot/try", json={"text": text}, headers=admin)
        assert r.status_code == 200 and r.json()["intent"] is None and r.json()["declined"], (text, r.json())
    for text, intent in IN_SCOPE:
        r = await client.post("/api/v1/bot/try", json={"text": text}, headers=admin)
        assert r.json()["intent"] == intent, (text, r.json())
