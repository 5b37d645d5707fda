"""Emotion-recognition training material (both backends): a supervisor picks a real chat, it
joins the case library anonymised (name, phone, email, order number masked) and every
customer line carries the emotion model's mark; the page shows the marks in Chinese."""

from __future__ import annotations

from datetime import timedelta

import httpx

from kefu.kit.db import Database
from kefu.kit.time import utcnow
from kefu.models import Conversation, Message
from kefu.models.user import Role
from kefu.training.anonymise import anonymise
from tests.factories import make_customer
from tests.training.conftest import Team, call
from tests.web.admin.cases import HTML, login

LINES = [
    ("customer", "我是周小云，订单号 SO20261201001 的手机到现在还没发货！", "negative", 0.8),
    ("agent", "您好周女士，我马上为您查询。", None, None),
    ("customer", "电话 13812345678，邮箱 zhou.xy@example.cn，尽快回我", "negative", 0.4),
    ("customer", "好的谢谢，物流单号 JD123456789 我收到了", "positive", 0.0),
]


async def chat(db: Database, agent_id: int) -> int:
    async with db.transaction() as s:
        customer = await make_customer(s, name="周小云")
        conv = Conversation(customer_id=customer.id, channel="chat", status="closed", assignee_id=agent_id)
        s.add(conv)
        await s.flush()
        now = utcnow()
        for seq, (sender, text, emotion, anger) in enumerate(LINES, start=1):
            s.add(
                Message(
                    conversation_id=conv.id,
                    seq=seq,
                    sender=sender,
                    user_id=agent_id if sender == "agent" else None,
                    text=text,
                    emotion=emotion,
                    anger=anger,
                    created_at=now + timedelta(seconds=seq),
                )
            )
        conv.last_seq = len(LINES)
        return conv.id


class TestAnonymise:
    def test_order_numbers_phones_emails_and_names(self) -> None:
        text = anonymise("周小云 订单号：SO20261201001 单号 JD123456789 电话13812345678 a.b@x.cn", ["周小云"])
        assert text == "周** 订单号：SO*********01 单号 JD*******89 电话138****5678 a***@x.cn"
        # Prices, models and dates stay readable.
        assert anonymise("X200 售价 2999 元，2026年12月3日到货", []) == "X200 售价 2999 元，2026年12月3日到货"


class TestEmotionCase:
    async def test_a_chat_becomes_an_anonymised_case_with_emotion_marks(
        self, db: Database, client: httpx.AsyncClient, team: Team
    ) -> None:
        conv_id = await chat(db, team.agent_id)
        case = await call(
            client,
            "POST",
            "/api/v1/training/cases",
            team.supervisor,
            expect=201,
            title="发货延迟的愤怒客户",
            month="2026-12",
            conversation_id=conv_id,
        )
        assert case["conversation_id"] == conv_id
        # Agents read it (and learn from it); they may not add cases.
        view = await call(client, "GET", f"/api/v1/training/cases/{case['id']}", team.agent)
        lines = view["lines"]
        assert [(line["author_type"], line["emotion"]) for line in lines] == [
            ("customer", "negative"),
            ("agent", None),
            ("customer", "negative"),
            ("customer", "positive"),
        ]
        assert lines[0]["anger"] == 0.8
        text = " ".join(line["text"] for line in lines)
        for secret in ("周小云", "SO20261201001", "13812345678", "zhou.xy@example.cn", "JD123456789"):
            assert secret not in text
        assert "周**" in lines[0]["text"] and "SO*********01" in lines[0]["text"]
        assert lines[0]["author"] == "客户"  # never the name
        await call(
            client,
            "POST",
            "/api/v1/training/cases",
            team.agent,
            expect=403,
            title="x",
            month="2026-12",
            conversation_id=conv_id,
        )
        await call(
            client,
            "POST",
            "/api/v1/training/cases",
            team.supervisor,
            expect=404,
            title="x",
            month="2026-12",
            conversation_id=987654,
        )

    async def test_the_case_page_shows_the_marks(
        self, db: Database, client: httpx.AsyncClient, team: Team
    ) -> None:
        conv_id = await chat(db, team.agent_id)
        case = await call(
            client,
            "POST",
            "/api/v1/training/cases",
            team.supervisor,
            expect=201,
            title="情绪识别",
            month="2026-12",
            conversation_id=conv_id,
        )
        await login(client, db, Role.AGENT)
        page = await client.get(f"/training/cases/{case['id']}", headers=HTML)
        assert page.status_code == 200
        assert page.text.count('data-testid="emotion-mark"') == 3
        assert "负面 · 愤怒度 80%" in page.text and "正面" in page.text
        assert "周小云" not in page.text and "13812345678" not in page.text
